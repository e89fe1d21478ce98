// EDM diffusion (Karras et al. 2022). The graph is the raw network F_θ; the preconditioning lives here:
//   D_θ(x; σ) = c_skip(σ)·x + c_out(σ)·F_θ(c_in(σ)·x; c_noise(σ), y)                     (eq. 7, Table 1)
//   L(θ) = E_{σ, y, n} λ(σ)·‖D_θ(y + n; σ) − y‖²,  ln σ ~ N(P_mean, P_std²), n ~ N(0, σ²I)  (eq. 8, Table 1)
// sampled with the deterministic Heun sampler (Algorithm 2) and classifier-free guidance on D (applied to F, the same).
import type * as tfc from '@tensorflow/tfjs-core';
import type { GeneratorFamily, SampleRequest, SampleResult, TrainingBatch } from './generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { Rng } from '../random/prng.ts';
import { pixelsToRange, rangeToPixels } from '../image/pixel-range.ts';
import { cIn, cNoise, cOut, cSkip, EDM_DEFAULTS, lossWeight, type EdmConfig } from '../diffusion/edm.ts';
import { edmHeunEvaluations, edmHeunSample } from '../samplers/edm-heun.ts';
import { guidedCall, type NetCall } from '../samplers/guidance.ts';
import { dropLabels, nullClassOf, ortNetCall, requestLabels, requestNoise, sampleDims } from './family-io.ts';

const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

/** The EDM constants of a manifest (loss params and sampler params, falling back to the paper's values). */
export function edmConfig(m: Manifest): EdmConfig {
  const l = m.loss.params;
  const s = m.sampler.params;
  return {
    sigmaData: num(l.sigma_data, EDM_DEFAULTS.sigmaData),
    pMean: num(l.p_mean, EDM_DEFAULTS.pMean),
    pStd: num(l.p_std, EDM_DEFAULTS.pStd),
    sigmaMin: num(s.sigma_min, EDM_DEFAULTS.sigmaMin),
    sigmaMax: num(s.sigma_max, EDM_DEFAULTS.sigmaMax),
    rho: num(s.rho, EDM_DEFAULTS.rho),
  };
}

/** D_θ(x; σ) on a batch, from the raw network F_θ (eq. 7): one network call per batch. */
export function edmDenoiser(F: NetCall, sigmaData: number): NetCall {
  return async (x, sigma, y, n) => {
    const dim = x.length / n;
    const xin = new Float32Array(x.length);
    const noise = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const ci = cIn(sigma[i], sigmaData);
      for (let j = i * dim; j < (i + 1) * dim; j++) xin[j] = ci * x[j];
      noise[i] = cNoise(sigma[i]);
    }
    const f = await F(xin, noise, y, n, true);
    const D = new Float32Array(x.length);
    for (let i = 0; i < n; i++) {
      const cs = cSkip(sigma[i], sigmaData);
      const co = cOut(sigma[i], sigmaData);
      for (let j = i * dim; j < (i + 1) * dim; j++) D[j] = cs * x[j] + co * f[j];
    }
    return D;
  };
}

export const edmFamily: GeneratorFamily = {
  family: 'edm',

  loss(tf: TF, graph: TfGraph, m: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar {
    const c = edmConfig(m);
    const { shape, dim } = sampleDims(m);
    const n = batch.n;
    const y0 = pixelsToRange(batch.images, m.data.range ?? [-1, 1]);
    const xin = new Float32Array(n * dim);
    const noisy = new Float32Array(n * dim);
    const noise = new Float32Array(n);
    const skip = new Float32Array(n);
    const out = new Float32Array(n);
    const weight = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const sigma = Math.exp(c.pMean + c.pStd * rng.normal());
      const ci = cIn(sigma, c.sigmaData);
      for (let j = i * dim; j < (i + 1) * dim; j++) {
        noisy[j] = y0[j] + sigma * rng.normal();
        xin[j] = ci * noisy[j];
      }
      noise[i] = cNoise(sigma);
      skip[i] = cSkip(sigma, c.sigmaData);
      out[i] = cOut(sigma, c.sigmaData);
      weight[i] = lossWeight(sigma, c.sigmaData);
    }
    const labels = dropLabels(batch.labels, m.conditioning.label_dropout, nullClassOf(m), () => rng.uniform());
    return tf.tidy(() => {
      const io = m.io;
      const col = (v: Float32Array) => tf.tensor(v, [n, 1, 1, 1]);
      const F = graph.run({
        [io.inputs.x]: tf.tensor(xin, [n, ...shape]),
        [io.inputs.t]: tf.tensor2d(noise, [n, 1]),
        [io.inputs.y]: tf.tensor1d(labels, 'int32'),
      })[io.outputs.out];
      const D = tf.add(tf.mul(col(skip), tf.tensor(noisy, [n, ...shape])), tf.mul(col(out), F));
      const perSample = tf.mean(tf.square(tf.sub(D, tf.tensor(y0, [n, ...shape]))), [1, 2, 3]);
      return tf.mean(tf.mul(tf.tensor1d(weight), perSample)) as tfc.Scalar;
    });
  },

  async sample(session: OrtModel, m: Manifest, req: SampleRequest): Promise<SampleResult> {
    const c = edmConfig(m);
    const { shape, dim } = sampleDims(m);
    const labels = requestLabels(m, req);
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    const N = req.steps ?? m.sampler.steps ?? 18;
    // guidance on D equals guidance on F, since D is affine in F with the same c_skip, c_out for both halves:
    // D̃ = c_skip·x + c_out·(F(∅) + s·(F(c) − F(∅))); guiding F leaves half the preconditioning arithmetic
    const F = ortNetCall(session, m, shape, { withT: true });
    const guidedF: NetCall = (xin, noise, y, n, handOver) =>
      guidedCall(F, xin, noise, y, n, s, nullClassOf(m), { handOver });
    const D = edmDenoiser(guidedF, c.sigmaData);
    const denoise = (x: Float32Array, sigma: number) => D(x, new Float32Array(req.n).fill(sigma), labels, req.n);
    const x = await edmHeunSample(denoise, requestNoise(req, dim), N, c);
    return { images: rangeToPixels(x, m.data.range ?? [-1, 1]), labels };
  },

  evaluationsPerSample(m: Manifest, req: SampleRequest): number {
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    return edmHeunEvaluations(req.steps ?? m.sampler.steps ?? 18) * (s === 1 ? 1 : 2);
  },
};
