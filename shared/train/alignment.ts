// The alignment diagnostic on a real model (the quantity the paper's theory rests on): at θr, the
// Adam-preconditioned cosine cos_P(g_r, g_s) between the population gradient of the real training data, g_r, and
// that of a synthetic set drawn with the model's sampler, g_s (shared/neon/preconditioned-cosine.ts). Self-training
// moves by −η·P·g_s, changing the real loss by −η·⟨g_r, P g_s⟩ to first order: cos < 0 means self-training moves away
// from the data, so reversing it (Neon, w > 0) moves toward it — the theory predicts w > 0; cos > 0 predicts w < 0.
// P = diag(1/(√v̂ + ε)); v̂ is the mean square of real minibatch gradients at θr (population-gradient.ts says why).
// Each gradient is estimated from K minibatches; the cosine of the two halves' estimates of g_r (the real
// self-cosine) says how far the estimates stand above their noise, and the cosines of the half pairs give a spread.
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import { preconditionedCosine } from '../neon/preconditioned-cosine.ts';
import { populationGradient, type PopulationGradientOptions } from './population-gradient.ts';

export interface AlignmentInput {
  real: LabeledImages;
  /** Synthetic sets, each named by the sampler setting it was drawn with. */
  synthetic: { setting: Record<string, number>; samples: LabeledImages }[];
  gradient: Omit<PopulationGradientOptions, 'onBatch'>;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface AlignmentPoint {
  setting: Record<string, number>;
  /** cos_P(g_r, g_s) over all minibatches. */
  cosine: number;
  /** cos_P of the first halves' estimates and of the second halves'. */
  half_cosines: [number, number];
  /** 'w>0' when cos < 0 (Neon predicted to help by extrapolating away from θs), 'w<0' when cos > 0. */
  predicts: 'w>0' | 'w<0';
  /** The sign agrees on both halves. */
  consistent: boolean;
}

export interface AlignmentResult {
  points: AlignmentPoint[];
  /** cos_P between the two halves' estimates of g_r: near 1 clean, near 0 noise-dominated. */
  real_self_cosine: number;
  batches: number;
  batch: number;
  examples_per_gradient: number;
}

export function alignment(
  tf: TF,
  graph: TfGraph,
  family: GeneratorFamily,
  manifest: Manifest,
  input: AlignmentInput,
): AlignmentResult {
  const o = input.gradient;
  const real = populationGradient(tf, graph, family, manifest, input.real, {
    ...o,
    onBatch: (d, t) => input.onProgress?.('real gradient', d, t),
  });
  const vHat = real.meanSquare;
  const points = input.synthetic.map(({ setting, samples }, i): AlignmentPoint => {
    const label = Object.entries(setting)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    // the synthetic draws and loss noise are independent of the real ones
    const syn = populationGradient(tf, graph, family, manifest, samples, {
      ...o,
      seed: (o.seed + 7919 * (i + 1)) >>> 0,
      onBatch: (d, t) => input.onProgress?.(`synthetic gradient (${label})`, d, t),
    });
    const cosine = preconditionedCosine(real.mean, syn.mean, vHat);
    const half_cosines: [number, number] = [
      preconditionedCosine(real.halves[0], syn.halves[0], vHat),
      preconditionedCosine(real.halves[1], syn.halves[1], vHat),
    ];
    return {
      setting,
      cosine,
      half_cosines,
      predicts: cosine < 0 ? 'w>0' : 'w<0',
      consistent: half_cosines.every((c) => Math.sign(c) === Math.sign(cosine)),
    };
  });
  return {
    points,
    real_self_cosine: preconditionedCosine(real.halves[0], real.halves[1], vHat),
    batches: o.batches,
    batch: o.batch,
    examples_per_gradient: real.examples,
  };
}
