// The toy's target distribution, N(0, Σ) with Σ = [[2, 1], [1, 2]] (the paper's appendix), and the
// Fréchet distance of a sample set to it.
import { Rng } from '../random/prng.ts';

export const TARGET_COV: [[number, number], [number, number]] = [
  [2, 1],
  [1, 2],
];

/**
 * n points from the target: x = L·z with L the Cholesky factor of Σ. `antithetic`: points come in pairs
 * (L·z, −L·z), each still a draw from the target (the target is centred), for lower-variance averages.
 */
export function sampleTarget(n: number, seed: number, opts: { antithetic?: boolean } = {}): Float32Array {
  const rng = new Rng(seed);
  const [[a, b], [, d]] = TARGET_COV;
  const l11 = Math.sqrt(a);
  const l21 = b / l11;
  const l22 = Math.sqrt(d - l21 * l21);
  const out = new Float32Array(2 * n);
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    if (opts.antithetic && i % 2 === 1) {
      z1 = -z1;
      z2 = -z2;
    } else {
      z1 = rng.normal();
      z2 = rng.normal();
    }
    out[2 * i] = l11 * z1;
    out[2 * i + 1] = l21 * z1 + l22 * z2;
  }
  return out;
}

/** Mean and (ddof = 1) covariance of 2-d points. */
export function gaussianFit(x: Float32Array): { mu: [number, number]; cov: [[number, number], [number, number]] } {
  const n = x.length / 2;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    m1 += x[2 * i];
    m2 += x[2 * i + 1];
  }
  m1 /= n;
  m2 /= n;
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  for (let i = 0; i < n; i++) {
    const a = x[2 * i] - m1;
    const b = x[2 * i + 1] - m2;
    s11 += a * a;
    s12 += a * b;
    s22 += b * b;
  }
  const k = 1 / (n - 1);
  return {
    mu: [m1, m2],
    cov: [
      [s11 * k, s12 * k],
      [s12 * k, s22 * k],
    ],
  };
}

/**
 * Fréchet distance ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr √(Σ1Σ2) between a Gaussian fit of `x` and N(0, Σ).
 * In 2-d, for M = Σ1Σ2 with non-negative eigenvalues, tr √M = √(tr M + 2√det M).
 */
export function frechetToTarget(x: Float32Array): number {
  const { mu, cov } = gaussianFit(x);
  const S = TARGET_COV;
  const m11 = cov[0][0] * S[0][0] + cov[0][1] * S[1][0];
  const m12 = cov[0][0] * S[0][1] + cov[0][1] * S[1][1];
  const m21 = cov[1][0] * S[0][0] + cov[1][1] * S[1][0];
  const m22 = cov[1][0] * S[0][1] + cov[1][1] * S[1][1];
  const tr = m11 + m22;
  const det = Math.max(0, m11 * m22 - m12 * m21);
  const trSqrt = Math.sqrt(Math.max(0, tr + 2 * Math.sqrt(det)));
  return mu[0] ** 2 + mu[1] ** 2 + cov[0][0] + cov[1][1] + S[0][0] + S[1][1] - 2 * trSqrt;
}
