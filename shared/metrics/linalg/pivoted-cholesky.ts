// Pivoted Cholesky of a symmetric positive semi-definite matrix, P ᵀ A P = L Lᵀ with L n×r lower-trapezoidal
// (Higham, "Cholesky factorization", 2009; LAPACK dpstrf). Blocked: within a panel the columns are formed
// left-looking, and the trailing matrix gets one rank-nb update per panel (gemmNT). It stops at the first pivot
// ≤ tol, the numerical rank r. Pivoting makes it exact up to rounding on rank-deficient covariances.
import { gemmNT } from './gemm-nt.ts';

export interface PivotedCholesky {
  /** L as an r×n row-major array of its columns: row a holds column a of L (zero before index a). */
  Lt: Float64Array;
  n: number;
  rank: number;
  /** perm[a] = the original index placed at position a. */
  perm: Int32Array;
  /** Smallest diagonal of the residual Schur complement (negative ⇒ A was not positive semi-definite). */
  residualMinDiag: number;
  /** Largest diagonal of A (the scale the tolerance is relative to). */
  maxDiag: number;
}

const NB = 32;

/**
 * Factors the symmetric n×n row-major matrix `A0` (not modified). tol defaults to n·eps·max diag, as dpstrf.
 */
export function pivotedCholesky(
  A0: Float64Array,
  n: number,
  opts: { tol?: number; threshold?: number; work?: Float64Array; lt?: Float64Array } = {},
): PivotedCholesky {
  // threshold 1: complete diagonal pivoting (dpstrf); below 1, a column stays in place while its diagonal is at
  // least `threshold` times the largest remaining one (fewer symmetric swaps, each a strided pass over A)
  const threshold = opts.threshold ?? 1;
  // lower triangle of the work copy is the working storage (pass `work`, n·n, to choose where it lives)
  const A = opts.work ?? new Float64Array(n * n);
  A.set(A0.subarray(0, n * n));
  const tol = opts.tol;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const dots = new Float64Array(n); // Σ L_ik² over this panel's finished columns k
  let maxDiag = 0;
  // the diagonal, contiguous (the pivot search reads it once per column; A's diagonal is strided)
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = A[i * n + i];
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, diag[i]);
  const stop = tol ?? n * 2.220446049250313e-16 * maxDiag;
  let rank = n;
  outer: for (let j0 = 0; j0 < n; j0 += NB) {
    const bs = Math.min(NB, n - j0);
    dots.fill(0, j0); // earlier panels are already subtracted from the trailing matrix
    for (let c = 0; c < bs; c++) {
      const j = j0 + c;
      // Pivot: the largest remaining diagonal A_ii − dots_i; kept in place while its own is within `threshold` of it
      let p = j;
      let best = -Infinity;
      for (let i = j; i < n; i++) {
        const v = diag[i] - dots[i];
        if (v > best) {
          best = v;
          p = i;
        }
      }
      const own = diag[j] - dots[j];
      if (p !== j && own >= threshold * best && own > stop) {
        p = j;
        best = own;
      }
      if (!(best > stop)) {
        rank = j;
        // finish the trailing update of this panel so that the residual diagonal is exact
        if (c > 0) trailingUpdate(A, n, j0, c, j);
        break outer;
      }
      if (p !== j) {
        swapSym(A, n, j, p, dots, perm);
        const t = diag[j];
        diag[j] = diag[p];
        diag[p] = t;
      }
      const ljj = Math.sqrt(best);
      A[j * n + j] = ljj;
      // Column j below the diagonal, left-looking over this panel's earlier columns.
      const rj = j * n;
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        let s = A[ri + j];
        for (let q = j0; q < j; q++) s -= A[ri + q] * A[rj + q];
        const lij = s / ljj;
        A[ri + j] = lij;
        dots[i] += lij * lij;
      }
    }
    if (j0 + bs < n) {
      trailingUpdate(A, n, j0, bs, j0 + bs);
      for (let i = j0 + bs; i < n; i++) diag[i] = A[i * n + i];
    }
  }
  // After the last trailing update the residual Schur complement sits in A[rank:, rank:].
  let residualMinDiag = 0;
  for (let i = rank; i < n; i++) residualMinDiag = Math.min(residualMinDiag, A[i * n + i]);
  const Lt = opts.lt && opts.lt.length >= rank * n ? opts.lt.subarray(0, rank * n) : new Float64Array(rank * n);
  Lt.fill(0);
  for (let a = 0; a < rank; a++) for (let i = a; i < n; i++) Lt[a * n + i] = A[i * n + a];
  return { Lt, n, rank, perm, residualMinDiag, maxDiag };
}

/** A[t:, t:] (lower) −= L[t:, j0:j0+w] L[t:, j0:j0+w]ᵀ. */
function trailingUpdate(A: Float64Array, n: number, j0: number, w: number, t: number): void {
  const m = n - t;
  gemmNT(m, m, w, -1, A, t * n + j0, n, A, t * n + j0, n, A, t * n + t, n, { lower: true });
}

/** Symmetric swap of indices j < p in lower storage (rows < j hold finished L columns only in cols < j). */
function swapSym(A: Float64Array, n: number, j: number, p: number, dots: Float64Array, perm: Int32Array): void {
  let t: number;
  // finished L entries in rows j and p (columns < j)
  for (let k = 0; k < j; k++) {
    t = A[j * n + k];
    A[j * n + k] = A[p * n + k];
    A[p * n + k] = t;
  }
  t = A[j * n + j];
  A[j * n + j] = A[p * n + p];
  A[p * n + p] = t;
  for (let k = j + 1; k < p; k++) {
    t = A[k * n + j];
    A[k * n + j] = A[p * n + k];
    A[p * n + k] = t;
  }
  for (let k = p + 1; k < n; k++) {
    t = A[k * n + j];
    A[k * n + j] = A[k * n + p];
    A[k * n + p] = t;
  }
  t = dots[j];
  dots[j] = dots[p];
  dots[p] = t;
  const q = perm[j];
  perm[j] = perm[p];
  perm[p] = q;
}
