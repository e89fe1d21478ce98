// Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019, §2): each set's manifold is the union of balls
// around its points with radius the distance to the k-th nearest neighbour (k = 3). Precision = share of generated
// points inside the real manifold; recall = share of real points inside the generated manifold. Distances are
// computed in tiles (‖a‖² + ‖b‖² − 2 a·b through gemmNT), so no N×N matrix ever exists.
import { gemmNT } from './linalg/gemm-nt.ts';

const TILE = 256;

export interface FeatureMatrix {
  rows: number;
  d: number;
  /** row-major rows × d */
  data: Float64Array;
}

function sqNorms(x: FeatureMatrix): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let k = 0; k < x.d; k++) s += x.data[i * x.d + k] ** 2;
    out[i] = s;
  }
  return out;
}

/** Squared distances between rows [i0, i0+mi) of a and [j0, j0+nj) of b into `out` (mi×TILE). */
function tileDistances(
  a: FeatureMatrix,
  na: Float64Array,
  i0: number,
  mi: number,
  b: FeatureMatrix,
  nb: Float64Array,
  j0: number,
  nj: number,
  out: Float64Array,
): void {
  out.fill(0, 0, mi * TILE);
  gemmNT(mi, nj, a.d, -2, a.data, i0 * a.d, a.d, b.data, j0 * b.d, b.d, out, 0, TILE);
  for (let i = 0; i < mi; i++)
    for (let j = 0; j < nj; j++) out[i * TILE + j] = Math.max(0, out[i * TILE + j] + na[i0 + i] + nb[j0 + j]);
}

/** Squared distance of every row to its k-th nearest other row. */
export function kthNeighbourRadii2(x: FeatureMatrix, k: number): Float64Array {
  if (x.rows <= k)
    throw new Error(`need more than k = ${k} feature vectors for nearest-neighbour radii, have ${x.rows}`);
  const n2 = sqNorms(x);
  const best = new Float64Array(x.rows * k).fill(Infinity); // per row, k smallest, ascending
  const tile = new Float64Array(TILE * TILE);
  for (let i0 = 0; i0 < x.rows; i0 += TILE) {
    const mi = Math.min(TILE, x.rows - i0);
    for (let j0 = 0; j0 < x.rows; j0 += TILE) {
      const nj = Math.min(TILE, x.rows - j0);
      tileDistances(x, n2, i0, mi, x, n2, j0, nj, tile);
      for (let i = 0; i < mi; i++) {
        const o = (i0 + i) * k;
        for (let j = 0; j < nj; j++) {
          if (i0 + i === j0 + j) continue;
          const v = tile[i * TILE + j];
          if (v >= best[o + k - 1]) continue;
          let p = k - 1;
          while (p > 0 && best[o + p - 1] > v) {
            best[o + p] = best[o + p - 1];
            p--;
          }
          best[o + p] = v;
        }
      }
    }
  }
  const r = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) r[i] = best[i * k + k - 1];
  return r;
}

/** Share of rows of `query` within radius of some row of `ref`. */
function coverage(query: FeatureMatrix, ref: FeatureMatrix, refRadii2: Float64Array): number {
  const nq = sqNorms(query);
  const nr = sqNorms(ref);
  const inside = new Uint8Array(query.rows);
  const tile = new Float64Array(TILE * TILE);
  for (let i0 = 0; i0 < query.rows; i0 += TILE) {
    const mi = Math.min(TILE, query.rows - i0);
    let open = mi;
    for (let j0 = 0; j0 < ref.rows && open > 0; j0 += TILE) {
      const nj = Math.min(TILE, ref.rows - j0);
      tileDistances(query, nq, i0, mi, ref, nr, j0, nj, tile);
      for (let i = 0; i < mi; i++) {
        if (inside[i0 + i]) continue;
        for (let j = 0; j < nj; j++) {
          if (tile[i * TILE + j] <= refRadii2[j0 + j]) {
            inside[i0 + i] = 1;
            open--;
            break;
          }
        }
      }
    }
  }
  let c = 0;
  for (const v of inside) c += v;
  return c / query.rows;
}

/** Improved precision and recall of `fake` against `real`. */
export function precisionRecall(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  k = 3,
): { precision: number; recall: number } {
  if (real.d !== fake.d) throw new Error(`feature dimensions differ: ${real.d} and ${fake.d}`);
  const rr = kthNeighbourRadii2(real, k);
  const rf = kthNeighbourRadii2(fake, k);
  return { precision: coverage(fake, real, rr), recall: coverage(real, fake, rf) };
}
