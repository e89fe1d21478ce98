// tr √(Σ1 Σ2) for symmetric positive semi-definite Σ1, Σ2, exactly (up to rounding) and without a general matrix
// square root: with Pᵀ Σ1 P = L Lᵀ (Cholesky with threshold diagonal pivoting, rank-revealing), Σ1 Σ2 is similar
// to M = Lᵀ (Pᵀ Σ2 P) L, which is symmetric positive semi-definite, so tr √(Σ1 Σ2) = Σ √λ_i(M). The eigenvalues of M come from a Householder
// tridiagonalization and implicit QL. Cost ≈ 3·d³ flops in blocked kernels (scipy's sqrtm does a complex Schur form).
import { gemmNT } from './linalg/gemm-nt.ts';
import { pivotedCholesky } from './linalg/pivoted-cholesky.ts';
import { tridiagonalize, tridiagonalizeWorkLengths } from './linalg/tridiagonalize.ts';
import { workspace } from './linalg/simd-kernels.ts';
import { tridiagonalEigenvalues } from './linalg/tridiagonal-eigenvalues.ts';

export interface TraceSqrtResult {
  /** Σ √max(λ_i, 0) over the eigenvalues λ of Σ1 Σ2. */
  trace: number;
  /** max √(−λ_i) over negative eigenvalues: the imaginary part a principal square root would carry (0 if none). */
  imaginary: number;
  /** Numerical rank of the factored covariance. */
  rank: number;
  eigenvalues: Float64Array;
}

export class NotPositiveSemidefiniteError extends Error {
  override name = 'NotPositiveSemidefiniteError';
}

/** Eigenvalues of Σ1 Σ2 via a pivoted Cholesky of `factor` and the congruence of `other`. null if `factor` is not PSD. */
function eigenvaluesOfProduct(
  factor: Float64Array,
  other: Float64Array,
  d: number,
): { eig: Float64Array; rank: number } | null {
  // every large array in one workspace, so that the SIMD kernels can address them
  // (not zeroed: each array is written before it is read, except the accumulators W and M)
  const [work, lt, S, W, M, ...tw] = workspace([d * d, d * d, d * d, d * d, d * d, ...tridiagonalizeWorkLengths(d)], {
    zero: false,
  });
  // threshold pivoting: a full-rank covariance mostly factors in place (no symmetric swaps, no permuted copy)
  const ch = pivotedCholesky(factor, d, { work, lt, threshold: 0.1 });
  if (ch.residualMinDiag < -1e3 * d * 2.220446049250313e-16 * Math.max(ch.maxDiag, Number.MIN_VALUE)) return null;
  const r = ch.rank;
  if (r === 0) return { eig: new Float64Array(0), rank: 0 };
  const { perm, Lt } = ch;
  // S = Pᵀ Σ_other P
  let identity = true;
  for (let a = 0; a < d && identity; a++) identity = perm[a] === a;
  if (identity) S.set(other.subarray(0, d * d));
  else
    for (let a = 0; a < d; a++) {
      const src = perm[a] * d;
      const dst = a * d;
      for (let b = 0; b < d; b++) S[dst + b] = other[src + perm[b]];
    }
  // W = Lᵀ S  (r×d);  M = W L  (r×r, lower half)
  W.fill(0, 0, r * d);
  gemmNT(r, d, d, 1, Lt, 0, d, S, 0, d, W, 0, d, { aUpper: true });
  const Mr = M.subarray(0, r * r);
  Mr.fill(0);
  gemmNT(r, r, d, 1, W, 0, d, Lt, 0, d, Mr, 0, r, { lower: true, bUpper: true });
  const { d: diag, e } = tridiagonalize(Mr, r, tw);
  return { eig: tridiagonalEigenvalues(diag, e), rank: r };
}

/** tr √(Σ1 Σ2) for d×d row-major covariances. Throws NotPositiveSemidefiniteError if neither is PSD. */
export function traceSqrtProduct(sigma1: Float64Array, sigma2: Float64Array, d: number): TraceSqrtResult {
  const res = eigenvaluesOfProduct(sigma1, sigma2, d) ?? eigenvaluesOfProduct(sigma2, sigma1, d);
  if (!res) throw new NotPositiveSemidefiniteError('neither covariance is positive semi-definite');
  let trace = 0;
  let imaginary = 0;
  for (const l of res.eig) {
    if (l >= 0) trace += Math.sqrt(l);
    else if (l < 0) imaginary = Math.max(imaginary, Math.sqrt(-l));
    else trace = NaN;
  }
  return { trace, imaginary, rank: res.rank, eigenvalues: res.eig };
}
