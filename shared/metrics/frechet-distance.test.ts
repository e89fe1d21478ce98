import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { frechetDistance, ImaginaryComponentError } from './frechet-distance.ts';
import { loadStats, parseStats, serializeStats, StatsFileError } from './stats-file.ts';
import { FeatureStats } from './feature-stats.ts';
import { loadNpy, serializeNpz } from '../npz/npz.ts';
import { expectedFids, FID_FIXTURES, FID_PAIRS, relErr } from './testing/fixtures.ts';
import { randomSpd, referenceFid, rng } from './testing/reference.ts';

const expected = expectedFids();

for (const name of FID_PAIRS) {
  test(`fixture ${name} matches expected.json within 1e-6`, async () => {
    const a = await loadStats(join(FID_FIXTURES, `${name}_a.npz`));
    const b = await loadStats(join(FID_FIXTURES, `${name}_b.npz`));
    const r = frechetDistance(a, b);
    assert.ok(relErr(r.fid, expected[name]) < 1e-6, `${r.fid} vs ${expected[name]}`);
    assert.equal(r.offset, false);
  });
}

for (const name of ['d16_n500', 'd64_n2000']) {
  test(`${name}: statistics from the shipped float32 features`, async () => {
    const f = await loadNpy(join(FID_FIXTURES, `${name}_a_features.npy`));
    const [rows, d] = f.shape;
    // stream in uneven batches
    const s = new FeatureStats(d);
    const data = f.data as Float32Array;
    for (let r0 = 0; r0 < rows; r0 += 137) {
      const r1 = Math.min(rows, r0 + 137);
      s.add(data.subarray(r0 * d, r1 * d), r1 - r0);
    }
    const b = await loadStats(join(FID_FIXTURES, `${name}_b.npz`));
    const r = frechetDistance(s.gaussian(), b);
    const want = expected[`${name}_from_float32_features`];
    assert.ok(relErr(r.fid, want) < 1e-6, `${r.fid} vs ${want}`);
  });
}

test('fresh random pairs match a Jacobi-eigenvalue float64 reference', () => {
  for (const [seed, d, rank] of [
    [7, 24, 24],
    [8, 40, 40],
    [9, 30, 12],
  ] as const) {
    const r = rng(seed);
    const s1 = randomSpd(d, rank, r);
    const s2 = randomSpd(d, d, r);
    const mu1 = Float64Array.from({ length: d }, r);
    const mu2 = Float64Array.from({ length: d }, r);
    const got = frechetDistance({ mu: mu1, sigma: s1 }, { mu: mu2, sigma: s2 }).fid;
    const want = referenceFid(mu1, s1, mu2, s2, d);
    // rank-deficient Σ1: √ of rounding-level eigenvalues limits any route to about 1e-8
    const tol = rank < d ? 1e-6 : 1e-9;
    assert.ok(relErr(got, want) < tol, `seed ${seed}: ${got} vs ${want}`);
    // symmetric in its arguments
    const back = frechetDistance({ mu: mu2, sigma: s2 }, { mu: mu1, sigma: s1 }).fid;
    assert.ok(relErr(back, want) < tol);
  }
});

test('identical statistics give 0', () => {
  const r = rng(3);
  const s = randomSpd(20, 20, r);
  const mu = Float64Array.from({ length: 20 }, r);
  assert.ok(Math.abs(frechetDistance({ mu, sigma: s }, { mu, sigma: s }).fid) < 1e-9);
});

test('shard merge equals the one-pass statistics (1e-9)', () => {
  const r = rng(11);
  const d = 33,
    n = 1000;
  const X = Float64Array.from({ length: n * d }, () => r() * 3 - 1);
  const one = new FeatureStats(d).add(X, n);
  const cuts = [0, 1, 250, 251, 700, n];
  const merged = new FeatureStats(d);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const shard = new FeatureStats(d).add(X.subarray(cuts[i] * d, cuts[i + 1] * d), cuts[i + 1] - cuts[i]);
    // through the file format, as `neon stats merge` does
    merged.merge(parseStats(serializeStats(shard), `shard ${i}`).sums!);
  }
  const g1 = one.gaussian(),
    g2 = merged.gaussian();
  assert.equal(merged.n, n);
  for (let i = 0; i < d * d; i++) assert.ok(Math.abs(g1.sigma[i] - g2.sigma[i]) <= 1e-9 * (1 + Math.abs(g1.sigma[i])));
  for (let i = 0; i < d; i++) assert.ok(Math.abs(g1.mu[i] - g2.mu[i]) <= 1e-9);
  // and equals np.cov's definition computed directly
  let num = 0;
  for (let k = 0; k < n; k++) num += (X[k * d] - g1.mu[0]) * (X[k * d + 1] - g1.mu[1]);
  assert.ok(Math.abs(g1.sigma[1] - num / (n - 1)) < 1e-12);
});

test('bad statistics are clear errors naming the file', () => {
  const npz = (mu: number[], sigma: number[], shape: number[]) =>
    serializeNpz({
      mu: { shape: [mu.length], data: Float64Array.from(mu) },
      sigma: { shape, data: Float64Array.from(sigma) },
    });
  assert.throws(
    () => parseStats(npz([0, 0], [1, 0, 0, 1, 0, 0], [2, 3]), 'rect.npz'),
    (e: Error) => e instanceof StatsFileError && /rect\.npz: sigma must be square, got shape \(2, 3\)/.test(e.message),
  );
  assert.throws(
    () => parseStats(npz([0, 0, 0], [1, 0, 0, 1], [2, 2]), 'mismatch.npz'),
    /mismatch\.npz: sigma is 2×2 but mu has 3 entries/,
  );
  assert.throws(
    () => parseStats(npz([0, 0], [1, NaN, 0, 1], [2, 2]), 'nan.npz'),
    /nan\.npz: sigma contains a non-finite value \(NaN at \[0, 1\]\)/,
  );
  assert.throws(
    () => parseStats(serializeNpz({ x: { shape: [1], data: Float64Array.of(1) } }), 'other.npz'),
    /other\.npz: not a statistics file/,
  );
  assert.throws(() => parseStats(Uint8Array.from([1, 2, 3]), 'junk.npz'), /junk\.npz: not a zip archive/);
  assert.throws(() => parseStats(npz([], [], [0, 0]), 'empty.npz'), /empty\.npz: mu is empty \(d = 0\)/);
  const withN = (n: bigint) =>
    serializeNpz({
      mu: { shape: [1], data: Float64Array.of(0) },
      sigma: { shape: [1, 1], data: Float64Array.of(1) },
      n: { shape: [], data: BigInt64Array.of(n) },
    });
  assert.throws(
    () => parseStats(withN(-5n), 'negative.npz'),
    /negative\.npz: n must be a count \(a non-negative integer\), got -5/,
  );
  assert.equal(parseStats(withN(7n), 'seven.npz').n, 7);
});

test('an indefinite covariance stops like pytorch-fid, with an imaginary component', () => {
  const d = 3;
  const pos = Float64Array.from([2, 0, 0, 0, 1, 0, 0, 0, 1]);
  const indefinite = Float64Array.from([1, 0, 0, 0, -4, 0, 0, 0, 1]);
  const mu = new Float64Array(d);
  assert.throws(
    () => frechetDistance({ mu, sigma: pos }, { mu, sigma: indefinite }),
    (e: Error) => e instanceof ImaginaryComponentError && /Imaginary component/.test(e.message),
  );
});
