// The Fréchet distance between two Gaussians, with pytorch-fid's semantics (pytorch_fid/fid_score.py,
// calculate_frechet_distance; Heusel et al. 2017, eq. 6):
//   d² = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2)
// If the square root is not finite, pytorch-fid retries with Σ + eps·I (eps = 1e-6); if its result has an imaginary
// diagonal above 1e-3 it stops with "Imaginary component". tr √(Σ1 Σ2) is computed exactly from a symmetric
// eigenproblem (trace-sqrt-product.ts) instead of scipy's sqrtm.
import { traceSqrtProduct } from './trace-sqrt-product.ts';

export interface Gaussian {
  mu: Float64Array;
  sigma: Float64Array;
}

export interface FrechetResult {
  fid: number;
  traceSqrt: number;
  /** True when the eps·I offset retry was needed. */
  offset: boolean;
}

export class ImaginaryComponentError extends Error {
  override name = 'ImaginaryComponentError';
}

export class FrechetInputError extends Error {
  override name = 'FrechetInputError';
}

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) return false; // NaN and ±∞
  }
  return true;
}

export function frechetDistance(a: Gaussian, b: Gaussian, opts: { eps?: number } = {}): FrechetResult {
  const eps = opts.eps ?? 1e-6;
  const d = a.mu.length;
  if (b.mu.length !== d) throw new FrechetInputError(`dimensions differ: mu has ${d} and ${b.mu.length} entries`);
  if (a.sigma.length !== d * d || b.sigma.length !== d * d) throw new FrechetInputError(`sigma must be ${d}×${d}`);
  for (const [x, what] of [
    [a.mu, 'mu of the first'],
    [a.sigma, 'sigma of the first'],
    [b.mu, 'mu of the second'],
    [b.sigma, 'sigma of the second'],
  ] as const) {
    if (!allFinite(x)) throw new FrechetInputError(`${what} statistics is not finite (fewer than 2 samples, or NaN)`);
  }
  let diff2 = 0,
    tr1 = 0,
    tr2 = 0;
  for (let i = 0; i < d; i++) {
    const t = a.mu[i] - b.mu[i];
    diff2 += t * t;
    tr1 += a.sigma[i * d + i];
    tr2 += b.sigma[i * d + i];
  }
  let r = traceSqrtProduct(a.sigma, b.sigma, d);
  let offset = false;
  if (!Number.isFinite(r.trace)) {
    // pytorch-fid: "fid calculation produces singular product; adding eps to diagonal of cov estimates"
    offset = true;
    const s1 = Float64Array.from(a.sigma);
    const s2 = Float64Array.from(b.sigma);
    for (let i = 0; i < d; i++) {
      s1[i * d + i] += eps;
      s2[i * d + i] += eps;
    }
    r = traceSqrtProduct(s1, s2, d);
  }
  if (r.imaginary > 1e-3)
    throw new ImaginaryComponentError(
      `Imaginary component ${r.imaginary}: tr √(Σ1Σ2) is not real (a covariance is not positive semi-definite)`,
    );
  return { fid: diff2 + tr1 + tr2 - 2 * r.trace, traceSqrt: r.trace, offset };
}
