// The DDPM ε-prediction loss (Ho et al. 2020, eq. 14) on a batch of flat points, with the noise draws from `rng`:
//   E_{t, ε} ‖ε − ε_θ(√ᾱₜ·x₀ + √(1−ᾱₜ)·ε, t/(T−1))‖²,  t uniform in 0..T−1.
// The graph takes `x` [n, dim] and `t` [n, 1] and returns ε̂ as its first output.
import type * as tfc from '@tensorflow/tfjs-core';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { Rng } from '../random/prng.ts';

export function ddpmEpsLoss(
  tf: TF,
  graph: TfGraph,
  x0: Float32Array,
  dim: number,
  alphaBar: Float64Array,
  rng: Rng,
): tfc.Scalar {
  const n = x0.length / dim;
  const T = alphaBar.length;
  const xt = new Float32Array(dim * n);
  const eps = new Float32Array(dim * n);
  const tIn = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = rng.int(T);
    const a = Math.sqrt(alphaBar[t]);
    const b = Math.sqrt(1 - alphaBar[t]);
    for (let d = 0; d < dim; d++) {
      const e = rng.normal();
      eps[dim * i + d] = e;
      xt[dim * i + d] = a * x0[dim * i + d] + b * e;
    }
    tIn[i] = t / (T - 1);
  }
  return tf.tidy(() => {
    const pred = graph.run({ x: tf.tensor2d(xt, [n, dim]), t: tf.tensor2d(tIn, [n, 1]) })[graph.outputNames[0]];
    return tf.mean(tf.square(tf.sub(pred, tf.tensor2d(eps, [n, dim])))) as tfc.Scalar;
  });
}
