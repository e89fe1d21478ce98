// Slow, obviously correct references for the tests: a seeded generator, random covariances, the cyclic Jacobi
// eigenvalue method (Golub & Van Loan §8.5) and the Fréchet distance through it.
import { mulberry32 } from '../../random/prng.ts';

/** A seeded generator of uniforms in [0, 1) (the project's mulberry32). */
export const rng = mulberry32;

/** A random symmetric PSD d×d matrix of the given rank: G Gᵀ with G d×rank. */
export function randomSpd(d: number, rank: number, r: () => number): Float64Array {
  const G = Float64Array.from({ length: d * rank }, () => r() - 0.5);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += G[i * rank + k] * G[j * rank + k];
      A[i * d + j] = s;
    }
  return A;
}

/** Eigenvalues and eigenvectors (columns of V) of a symmetric matrix by cyclic Jacobi rotations. */
export function jacobiEigen(A0: Float64Array, n: number): { values: Float64Array; V: Float64Array } {
  const A = Float64Array.from(A0);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p],
            akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k],
            aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p],
            vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, V };
}

/** FID with tr √(Σ1Σ2) = Σ √λ(A Σ2 A), A = Σ1^{1/2} = V diag(√w) Vᵀ, everything by Jacobi and plain loops. */
export function referenceFid(
  mu1: Float64Array,
  s1: Float64Array,
  mu2: Float64Array,
  s2: Float64Array,
  d: number,
): number {
  const { values: w, V } = jacobiEigen(s1, d);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V[i * d + k] * Math.sqrt(Math.max(w[k], 0)) * V[j * d + k];
      A[i * d + j] = s;
    }
  const T = new Float64Array(d * d);
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[i * d + k] * s2[k * d + j];
      T[i * d + j] = s;
    }
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += T[i * d + k] * A[k * d + j];
      M[i * d + j] = s;
    }
  const lam = jacobiEigen(M, d).values;
  let fid = 0;
  for (let i = 0; i < d; i++) fid += (mu1[i] - mu2[i]) ** 2 + s1[i * d + i] + s2[i * d + i];
  for (const l of lam) fid -= 2 * Math.sqrt(Math.max(l, 0));
  return fid;
}
