import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kthNeighbourRadii2, precisionRecall } from './precision-recall.ts';
import type { FeatureMatrix } from './precision-recall.ts';
import { rng } from './testing/reference.ts';

function points(n: number, d: number, r: () => number, shift: number, scale: number): FeatureMatrix {
  return { rows: n, d, data: Float64Array.from({ length: n * d }, () => shift + scale * (r() - 0.5)) };
}

/** Brute force over the full distance matrix. */
function brute(real: FeatureMatrix, fake: FeatureMatrix, k: number) {
  const dist = (a: FeatureMatrix, i: number, b: FeatureMatrix, j: number) => {
    let s = 0;
    for (let t = 0; t < a.d; t++) s += (a.data[i * a.d + t] - b.data[j * b.d + t]) ** 2;
    return s;
  };
  const radii = (x: FeatureMatrix) =>
    Array.from({ length: x.rows }, (_, i) => {
      const ds = Array.from({ length: x.rows }, (_, j) => dist(x, i, x, j)).sort((a, b) => a - b);
      return ds[k]; // ds[0] is the point itself
    });
  const rr = radii(real),
    rf = radii(fake);
  let p = 0,
    q = 0;
  for (let i = 0; i < fake.rows; i++) if (rr.some((rad, j) => dist(fake, i, real, j) <= rad)) p++;
  for (let j = 0; j < real.rows; j++) if (rf.some((rad, i) => dist(real, j, fake, i) <= rad)) q++;
  return { precision: p / fake.rows, recall: q / real.rows, rr };
}

test('tiled precision/recall equals the brute-force definition (k = 3), across tile edges', () => {
  const r = rng(5);
  const real = points(300, 6, r, 0, 1);
  const fake = points(270, 6, r, 0.3, 1.4);
  const want = brute(real, fake, 3);
  const got = precisionRecall(real, fake, 3);
  assert.equal(got.precision, want.precision);
  assert.equal(got.recall, want.recall);
  const radii = kthNeighbourRadii2(real, 3);
  for (let i = 0; i < real.rows; i++) assert.ok(Math.abs(radii[i] - want.rr[i]) < 1e-12);
  assert.ok(got.precision > 0 && got.precision < 1 && got.recall > 0 && got.recall < 1);
});

test('identical sets have precision and recall 1; disjoint sets 0', () => {
  const r = rng(6);
  const a = points(50, 4, r, 0, 1);
  assert.deepEqual(precisionRecall(a, a), { precision: 1, recall: 1 });
  const far = points(50, 4, r, 100, 1);
  assert.deepEqual(precisionRecall(a, far), { precision: 0, recall: 0 });
});
