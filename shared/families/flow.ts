// Flow matching: rectified flow (Liu et al. 2023; Lipman et al. 2023) with velocity prediction.
//   x_t = (1 − t)·x₀ + t·x₁,  x₀ ~ N(0, I) noise, x₁ data, t ~ U(0, 1)
//   L(θ) = E ‖v_θ(x_t, t, y) − (x₁ − x₀)‖²
// sampled by integrating dx/dt = ṽ(x, t) from t = 0 to 1 (Euler or Heun) with classifier-free guidance on v.
import type * as tfc from '@tensorflow/tfjs-core';
import type { GeneratorFamily, SampleRequest, SampleResult, TrainingBatch } from './generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { Rng } from '../random/prng.ts';
import { pixelsToRange, rangeToPixels } from '../image/pixel-range.ts';
import { eulerFlow, flowEvaluations, heunFlow } from '../samplers/flow-ode.ts';
import { guidedCall } from '../samplers/guidance.ts';
import { dropLabels, nullClassOf, ortNetCall, requestLabels, requestNoise, sampleDims } from './family-io.ts';

function range(m: Manifest): [number, number] {
  return m.data.range ?? [-1, 1];
}

export const flowFamily: GeneratorFamily = {
  family: 'flow',

  loss(tf: TF, graph: TfGraph, m: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar {
    const { shape, dim } = sampleDims(m);
    const n = batch.n;
    const x1 = pixelsToRange(batch.images, range(m));
    const xt = new Float32Array(n * dim);
    const target = new Float32Array(n * dim);
    const t = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const ti = rng.uniform();
      t[i] = ti;
      for (let j = i * dim; j < (i + 1) * dim; j++) {
        const x0 = rng.normal();
        xt[j] = (1 - ti) * x0 + ti * x1[j];
        target[j] = x1[j] - x0;
      }
    }
    const y = dropLabels(batch.labels, m.conditioning.label_dropout, nullClassOf(m), () => rng.uniform());
    return tf.tidy(() => {
      const io = m.io;
      const v = graph.run({
        [io.inputs.x]: tf.tensor(xt, [n, ...shape]),
        [io.inputs.t]: tf.tensor2d(t, [n, 1]),
        [io.inputs.y]: tf.tensor1d(y, 'int32'),
      })[io.outputs.out];
      return tf.mean(tf.square(tf.sub(v, tf.tensor(target, [n, ...shape])))) as tfc.Scalar;
    });
  },

  async sample(session: OrtModel, m: Manifest, req: SampleRequest): Promise<SampleResult> {
    const { shape, dim } = sampleDims(m);
    const labels = requestLabels(m, req);
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    const steps = req.steps ?? m.sampler.steps ?? 20;
    const net = ortNetCall(session, m, shape, { withT: true });
    const v = (x: Float32Array, t: number) =>
      guidedCall(net, x, new Float32Array(req.n).fill(t), labels, req.n, s, nullClassOf(m));
    const x0 = requestNoise(req, dim);
    const x1 = m.sampler.kind === 'euler' ? await eulerFlow(v, x0, steps) : await heunFlow(v, x0, steps);
    return { images: rangeToPixels(x1, range(m)), labels };
  },

  evaluationsPerSample(m: Manifest, req: SampleRequest): number {
    const s = req.guidanceScale ?? m.sampler.guidance_scale ?? 1;
    return flowEvaluations(m.sampler.kind, req.steps ?? m.sampler.steps ?? 20) * (s === 1 ? 1 : 2);
  },
};
