// C += alpha · A Bᵀ on row-major Float64Array views: the one level-3 kernel the statistics and the Fréchet distance
// need (syrk, syr2k and triangular products are all of this form). A is m×K (row stride lda), B is n×K (ldb),
// C is m×n (ldc). Blocked over K and over B's rows so that the working set stays in cache; 4×4 register tiles.

export interface GemmNTOptions {
  /** Only C[i][j] with j ≤ i is computed (for symmetric results). */
  lower?: boolean;
  /** Row i of A is zero before column i (A is upper-triangular in the K index), so k starts at i. */
  aUpper?: boolean;
  /** Row j of B is zero before column j, so k starts at j. */
  bUpper?: boolean;
}

import { inSimdMemory, parallelGemm, simd } from './simd-kernels.ts';

const KB = 256;
const JB = 64;

export function gemmNT(
  m: number,
  n: number,
  K: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  opts: GemmNTOptions = {},
): void {
  const lower = opts.lower === true;
  const aUpper = opts.aUpper === true;
  const bUpper = opts.bUpper === true;
  if (simd && inSimdMemory(A) && inSimdMemory(B) && inSimdMemory(C)) {
    gemmNTSimd(m, n, K, alpha, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, lower, aUpper, bUpper);
    return;
  }
  for (let kb0 = 0; kb0 < K; kb0 += KB) {
    const kbEnd = Math.min(K, kb0 + KB);
    for (let jb0 = 0; jb0 < n; jb0 += JB) {
      const jbEnd = Math.min(n, jb0 + JB);
      for (let i0 = 0; i0 < m; i0 += 4) {
        if (lower && jb0 > i0 + 3) continue;
        for (let j0 = jb0; j0 < jbEnd; j0 += 4) {
          if (lower && j0 > i0 + 3) break;
          let ks = kb0;
          if (aUpper && i0 > ks) ks = i0;
          if (bUpper && j0 > ks) ks = j0;
          const ke = kbEnd;
          if (ks >= ke) continue;
          const full = i0 + 4 <= m && j0 + 4 <= jbEnd && !(lower && j0 + 3 > i0);
          if (full) {
            const a0 = aOff + i0 * lda,
              a1 = a0 + lda,
              a2 = a1 + lda,
              a3 = a2 + lda;
            const b0 = bOff + j0 * ldb,
              b1 = b0 + ldb,
              b2 = b1 + ldb,
              b3 = b2 + ldb;
            let c00 = 0,
              c01 = 0,
              c02 = 0,
              c03 = 0,
              c10 = 0,
              c11 = 0,
              c12 = 0,
              c13 = 0;
            let c20 = 0,
              c21 = 0,
              c22 = 0,
              c23 = 0,
              c30 = 0,
              c31 = 0,
              c32 = 0,
              c33 = 0;
            for (let k = ks; k < ke; k++) {
              const x0 = A[a0 + k],
                x1 = A[a1 + k],
                x2 = A[a2 + k],
                x3 = A[a3 + k];
              const y0 = B[b0 + k],
                y1 = B[b1 + k],
                y2 = B[b2 + k],
                y3 = B[b3 + k];
              c00 += x0 * y0;
              c01 += x0 * y1;
              c02 += x0 * y2;
              c03 += x0 * y3;
              c10 += x1 * y0;
              c11 += x1 * y1;
              c12 += x1 * y2;
              c13 += x1 * y3;
              c20 += x2 * y0;
              c21 += x2 * y1;
              c22 += x2 * y2;
              c23 += x2 * y3;
              c30 += x3 * y0;
              c31 += x3 * y1;
              c32 += x3 * y2;
              c33 += x3 * y3;
            }
            const r0 = cOff + i0 * ldc + j0,
              r1 = r0 + ldc,
              r2 = r1 + ldc,
              r3 = r2 + ldc;
            C[r0] += alpha * c00;
            C[r0 + 1] += alpha * c01;
            C[r0 + 2] += alpha * c02;
            C[r0 + 3] += alpha * c03;
            C[r1] += alpha * c10;
            C[r1 + 1] += alpha * c11;
            C[r1 + 2] += alpha * c12;
            C[r1 + 3] += alpha * c13;
            C[r2] += alpha * c20;
            C[r2 + 1] += alpha * c21;
            C[r2 + 2] += alpha * c22;
            C[r2 + 3] += alpha * c23;
            C[r3] += alpha * c30;
            C[r3 + 1] += alpha * c31;
            C[r3 + 2] += alpha * c32;
            C[r3 + 3] += alpha * c33;
          } else {
            const iEnd = Math.min(m, i0 + 4);
            const jEnd = Math.min(jbEnd, j0 + 4);
            for (let i = i0; i < iEnd; i++) {
              const ar = aOff + i * lda;
              for (let j = j0; j < jEnd; j++) {
                if (lower && j > i) break;
                const br = bOff + j * ldb;
                let s = 0;
                for (let k = ks; k < ke; k++) s += A[ar + k] * B[br + k];
                C[cOff + i * ldc + j] += alpha * s;
              }
            }
          }
        }
      }
    }
  }
}

/** gemmNT entirely in wasm (loop nest and f64x2 4×2 tiles), rows split across the kernel threads. */
function gemmNTSimd(
  m: number,
  n: number,
  K: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  lower: boolean,
  aUpper: boolean,
  bUpper: boolean,
): void {
  const flags = (lower ? 1 : 0) | (aUpper ? 2 : 0) | (bUpper ? 4 : 0);
  parallelGemm(
    m,
    n,
    K,
    alpha,
    A.byteOffset + aOff * 8,
    lda * 8,
    B.byteOffset + bOff * 8,
    ldb * 8,
    C.byteOffset + cOff * 8,
    ldc * 8,
    flags,
  );
}

/** Copies the lower triangle of a row-major n×n matrix onto its upper triangle. */
export function symmetrizeFromLower(C: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) C[j * n + i] = C[i * n + j];
}

/** Transpose of a row-major m×n matrix (n×m). */
export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  const BS = 32;
  for (let i0 = 0; i0 < m; i0 += BS)
    for (let j0 = 0; j0 < n; j0 += BS)
      for (let i = i0; i < Math.min(m, i0 + BS); i++)
        for (let j = j0; j < Math.min(n, j0 + BS); j++) T[j * m + i] = A[i * n + j];
  return T;
}
