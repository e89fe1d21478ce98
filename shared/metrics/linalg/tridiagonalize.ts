// Householder reduction of a symmetric matrix to tridiagonal form, Qᵀ A Q = T (Golub & Van Loan §8.3.1), blocked as
// LAPACK's dsytrd/dlatrd (lower): per panel of NB columns the reflectors v and the vectors w = τ(A v − …) are
// collected, then the trailing matrix takes one rank-2·NB update A −= V Wᵀ + W Vᵀ through gemmNT.
// Eigenvalues only: Q is never formed.
import { gemmNT } from './gemm-nt.ts';
import { inSimdMemory, kernelThreads, parallelSymv, simd } from './simd-kernels.ts';

const NB = 32;

/** Scratch space of tridiagonalize for size n (pass views from workspace() to run on the SIMD kernels). */
export function tridiagonalizeWorkLengths(n: number): number[] {
  const T = kernelThreads();
  return [n * 2 * NB, n * 2 * NB, n, n, 2 * NB, 2 * NB, 2 * T, ...Array.from({ length: T }, () => n)];
}

/**
 * Returns the diagonal d (n) and off-diagonal e (n−1) of T. `A` (n×n row-major, lower triangle used) is destroyed.
 * `work`: arrays of the lengths tridiagonalizeWorkLengths(n) gives.
 */
export function tridiagonalize(
  A: Float64Array,
  n: number,
  work?: Float64Array[],
): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  if (n === 0) return { d, e };
  const W2 = 2 * NB;
  const [VW, WV, v, col, u, r, pair, ...ys] = work ?? tridiagonalizeWorkLengths(n).map((len) => new Float64Array(len));
  const y = ys[0];
  // VW row i: [V(i, 0..NB), W(i, 0..NB)];  WV row i: [W(i, ·), V(i, ·)]
  const useSimd = [A, v, col, u, r, pair, ...ys].every(inSimdMemory);
  for (let j0 = 0; j0 < n - 1; j0 += NB) {
    const bs = Math.min(NB, n - 1 - j0);
    VW.fill(0);
    for (let c = 0; c < bs; c++) {
      const j = j0 + c;
      // column j (rows j..n−1), brought up to date with this panel's earlier reflectors:
      // col −= V W(j, ·)ᵀ + W V(j, ·)ᵀ  =  [V W] u  with u = [W(j, ·), V(j, ·)]
      for (let i = j; i < n; i++) col[i] = A[i * n + j];
      if (c > 0) {
        const rj = j * W2;
        for (let q = 0; q < NB; q++) {
          u[q] = VW[rj + NB + q];
          u[NB + q] = VW[rj + q];
        }
        gemmNT(n - j, 1, W2, -1, VW, j * W2, W2, u, 0, W2, col, j, 1);
      }
      d[j] = col[j];
      // Householder reflector H = I − τ v vᵀ with H col[j+1:] = β e1 (LAPACK dlarfg)
      const alpha = col[j + 1];
      let xnorm2 = 0;
      for (let i = j + 2; i < n; i++) xnorm2 += col[i] * col[i];
      let tau = 0;
      let beta = alpha;
      v.fill(0, j + 1);
      v[j + 1] = 1;
      if (xnorm2 > 0) {
        beta = -Math.sign(alpha || 1) * Math.hypot(alpha, Math.sqrt(xnorm2));
        tau = (beta - alpha) / beta;
        const scale = 1 / (alpha - beta);
        for (let i = j + 2; i < n; i++) v[i] = col[i] * scale;
      }
      e[j] = beta;
      // y = A22 v over rows/cols j+1.., lower storage; two rows at a time
      if (useSimd) parallelSymv(A, n, j + 1, v, ys, pair);
      else symvLower(A, n, j + 1, v, y);
      // y −= V (Wᵀ v) + W (Vᵀ v) for this panel's earlier columns: r = [V W]ᵀ v, then y −= [V W] [Wᵀv, Vᵀv]
      if (c > 0) {
        r.fill(0);
        gemvT(VW, (j + 1) * W2, n - j - 1, v, j + 1, r, useSimd);
        for (let q = 0; q < NB; q++) {
          u[q] = r[NB + q];
          u[NB + q] = r[q];
        }
        gemmNT(n - j - 1, 1, W2, -1, VW, (j + 1) * W2, W2, u, 0, W2, y, j + 1, 1);
      }
      let wv = 0;
      for (let i = j + 1; i < n; i++) {
        y[i] *= tau;
        wv += y[i] * v[i];
      }
      const a2 = -0.5 * tau * wv;
      for (let i = j + 1; i < n; i++) {
        const w = y[i] + a2 * v[i];
        VW[i * W2 + c] = v[i];
        VW[i * W2 + NB + c] = w;
      }
    }
    // trailing update A[t:, t:] −= V Wᵀ + W Vᵀ  (= [V W] [W V]ᵀ)
    const t = j0 + bs;
    const m = n - t;
    for (let i = t; i < n; i++) {
      const r = i * W2;
      for (let q = 0; q < NB; q++) {
        WV[r + q] = VW[r + NB + q];
        WV[r + NB + q] = VW[r + q];
      }
    }
    gemmNT(m, m, W2, -1, VW, t * W2, W2, WV, t * W2, W2, A, t * n + t, n, { lower: true });
  }
  d[n - 1] = A[(n - 1) * n + (n - 1)];
  return { d, e };
}

/** r[0:2NB] += Σ_i VW[off + i·2NB + ·] · v[vOff + i] over `rows` rows. */
function gemvT(
  VW: Float64Array,
  off: number,
  rows: number,
  v: Float64Array,
  vOff: number,
  r: Float64Array,
  useSimd: boolean,
): void {
  const W2 = 2 * NB;
  if (useSimd && simd && inSimdMemory(VW)) {
    simd.gemvT(VW.byteOffset + off * 8, W2 * 8, rows, v.byteOffset + vOff * 8, r.byteOffset, W2);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const vi = v[vOff + i];
    const o = off + i * W2;
    for (let q = 0; q < W2; q++) r[q] += VW[o + q] * vi;
  }
}

/** y[s:] = A[s:, s:] x[s:] for a symmetric matrix stored in its lower triangle. */
function symvLower(A: Float64Array, n: number, s: number, x: Float64Array, y: Float64Array): void {
  y.fill(0, s);
  let i = s;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n,
      r1 = r0 + n;
    const x0 = x[i],
      x1 = x[i + 1];
    let t0 = 0,
      t1 = 0;
    for (let k = s; k < i; k++) {
      const a0 = A[r0 + k],
        a1 = A[r1 + k];
      t0 += a0 * x[k];
      t1 += a1 * x[k];
      y[k] += a0 * x0 + a1 * x1;
    }
    const a10 = A[r1 + i];
    y[i] += t0 + A[r0 + i] * x0 + a10 * x1;
    y[i + 1] += t1 + a10 * x0 + A[r1 + i + 1] * x1;
  }
  if (i < n) {
    const r0 = i * n,
      x0 = x[i];
    let t0 = 0;
    for (let k = s; k < i; k++) {
      t0 += A[r0 + k] * x[k];
      y[k] += A[r0 + k] * x0;
    }
    y[i] += t0 + A[r0 + i] * x0;
  }
}
