// Autoregressive generation over raster-ordered pixels quantized to K levels (a MADE network, see
// models/made-ar.ts): p(x | y) = ∏ᵢ p(xᵢ | x_<i, y), trained by cross-entropy (the negative log-likelihood)
// and sampled pixel by pixel with temperature, top-k and classifier-free guidance on the logits
// ℓ̃ = ℓ(∅) + s·(ℓ(y) − ℓ(∅)).
import type * as tfc from '@tensorflow/tfjs-core';
import type { GeneratorFamily, SampleRequest, SampleResult, TrainingBatch } from './generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { Rng } from '../random/prng.ts';
import { drawToken } from '../samplers/ar-sampling.ts';
import { condAndUncond } from '../samplers/guidance.ts';
import { dropLabels, nullClassOf, ortNetCall, requestLabels, sampleDims, sampleStream } from './family-io.ts';

export function levelsOf(m: Manifest): number {
  if (!m.data.vocab) throw new Error(`${m.name}: an autoregressive manifest needs data.vocab`);
  return m.data.vocab;
}

/** Pixel p ∈ [0, 255] → level ⌊p·K/256⌋ ∈ [0, K). */
export function quantize(p: number, K: number): number {
  return Math.floor((p * K) / 256);
}

/** Level k → pixel round(k·255/(K−1)). */
export function dequantize(k: number, K: number): number {
  return Math.round((k * 255) / (K - 1));
}

/** Level k → network input value in [−1, 1]. */
export function levelValue(k: number, K: number): number {
  return (2 * k) / (K - 1) - 1;
}

export const arFamily: GeneratorFamily = {
  family: 'ar',

  loss(tf: TF, graph: TfGraph, m: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar {
    const K = levelsOf(m);
    const { dim } = sampleDims(m);
    const n = batch.n;
    const x = new Float32Array(n * dim);
    const target = new Int32Array(n * dim);
    for (let j = 0; j < n * dim; j++) {
      target[j] = quantize(batch.images[j], K);
      x[j] = levelValue(target[j], K);
    }
    const labels = dropLabels(batch.labels, m.conditioning.label_dropout, nullClassOf(m), () => rng.uniform());
    return tf.tidy(() => {
      const io = m.io;
      const logits = graph.run({
        [io.inputs.x]: tf.tensor2d(x, [n, dim]),
        [io.inputs.y]: tf.tensor1d(labels, 'int32'),
      })[io.outputs.out];
      const logp = tf.logSoftmax(tf.reshape(logits, [n * dim, K]));
      // −(1/nD)·Σ log p(x_i | x_<i, y)  (nats per pixel)
      return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(target, 'int32'), K)), 1))) as tfc.Scalar;
    });
  },

  async sample(session: OrtModel, m: Manifest, req: SampleRequest): Promise<SampleResult> {
    const K = levelsOf(m);
    const { dim } = sampleDims(m);
    const labels = requestLabels(m, req);
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    const tau = req.temperature ?? m.sampler.temperature ?? 1;
    const topK = req.topK ?? m.sampler.top_k ?? 0;
    if (!(tau > 0)) throw new Error(`temperature must be positive; got ${tau}`);
    const net = ortNetCall(session, m, [dim], { withT: false });
    const rngs = Array.from({ length: req.n }, (_, i) => sampleStream(req, i));
    const x = new Float32Array(req.n * dim);
    const levels = new Uint8Array(req.n * dim);
    const noT = new Float32Array(req.n);
    const logits = new Float32Array(K);
    for (let p = 0; p < dim; p++) {
      // every position's logits come back; guidance combines only those of pixel p
      const { cond, uncond } = await condAndUncond(net, x, noT, labels, req.n, s, nullClassOf(m));
      for (let i = 0; i < req.n; i++) {
        const at = (i * dim + p) * K;
        for (let j = 0; j < K; j++)
          logits[j] = uncond ? uncond[at + j] + s * (cond[at + j] - uncond[at + j]) : cond[at + j];
        const k = drawToken(logits, tau, topK, rngs[i].uniform());
        levels[i * dim + p] = k;
        x[i * dim + p] = levelValue(k, K);
      }
    }
    const images = new Uint8Array(req.n * dim);
    for (let j = 0; j < images.length; j++) images[j] = dequantize(levels[j], K);
    return { images, labels };
  },

  evaluationsPerSample(m: Manifest, req: SampleRequest): number {
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    return sampleDims(m).dim * (s === 1 ? 1 : 2);
  },
};
