import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemmNT } from './gemm-nt.ts';
import { pivotedCholesky } from './pivoted-cholesky.ts';
import { tridiagonalize, tridiagonalizeWorkLengths } from './tridiagonalize.ts';
import { inSimdMemory, simd, workspace } from './simd-kernels.ts';
import { tridiagonalEigenvalues } from './tridiagonal-eigenvalues.ts';
import { jacobiEigen, randomSpd, rng } from '../testing/reference.ts';

test('the SIMD kernels load on this runtime', () => {
  assert.ok(simd !== null || process.env.NEON_NO_SIMD === '1');
});

for (const where of ['plain arrays', 'SIMD workspace'] as const) {
  test(`gemmNT matches the triple loop, with lower and triangular options (${where})`, () => {
    const r = rng(1);
    const m = 37,
      n = 29,
      K = 301;
    const [A, B, C, S] =
      where === 'plain arrays'
        ? [m * K, n * K, m * n, m * m].map((l) => new Float64Array(l))
        : workspace([m * K, n * K, m * n, m * m]);
    if (where === 'SIMD workspace' && simd) assert.ok(inSimdMemory(A));
    for (let i = 0; i < A.length; i++) A[i] = r();
    for (let i = 0; i < B.length; i++) B[i] = r();
    // A upper-triangular in k for the aUpper option
    for (let i = 0; i < m; i++) for (let k = 0; k < Math.min(i, K); k++) A[i * K + k] = 0;
    gemmNT(m, n, K, 2, A, 0, K, B, 0, K, C, 0, n, { aUpper: true });
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
        assert.ok(Math.abs(C[i * n + j] - 2 * s) < 1e-10);
      }
    gemmNT(m, m, K, 1, A, 0, K, A, 0, K, S, 0, m, { lower: true });
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[i * K + k] * A[j * K + k];
        assert.ok(Math.abs(S[i * m + j] - (j <= i ? s : 0)) < 1e-10);
      }
  });
}

test('pivoted Cholesky reconstructs full-rank and rank-deficient matrices', () => {
  for (const [d, rank] of [
    [50, 50],
    [60, 23],
  ] as const) {
    const A = randomSpd(d, rank, rng(d));
    const ch = pivotedCholesky(A, d);
    assert.equal(ch.rank, rank);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let k = 0; k < ch.rank; k++) s += ch.Lt[k * d + a] * ch.Lt[k * d + b];
        assert.ok(Math.abs(s - A[ch.perm[a] * d + ch.perm[b]]) < 1e-9, `${a},${b}`);
      }
  }
});

test('tridiagonalization + QL give the eigenvalues of Jacobi', () => {
  for (const d of [1, 2, 5, 33, 70, 131]) {
    const r = rng(d);
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) A[i * d + j] = A[j * d + i] = r() - 0.5;
    const want = Array.from(jacobiEigen(A, d).values).sort((a, b) => a - b);
    const { d: dd, e } = tridiagonalize(Float64Array.from(A), d);
    const got = Array.from(tridiagonalEigenvalues(dd, e)).sort((a, b) => a - b);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-10, `d=${d} i=${i}: ${got[i]} vs ${want[i]}`);
    // and on the SIMD kernels
    const [M, ...work] = workspace([d * d, ...tridiagonalizeWorkLengths(d)]);
    M.set(A);
    const t = tridiagonalize(M, d, work);
    const got2 = Array.from(tridiagonalEigenvalues(t.d, t.e)).sort((a, b) => a - b);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(got2[i] - want[i]) < 1e-10, `simd d=${d} i=${i}`);
  }
});

test('the threaded kernels (NEON_THREADS=2) give the fixture FIDs too', async () => {
  const { spawnSync } = await import('node:child_process');
  const { join } = await import('node:path');
  const code = `
    import { loadStats } from './shared/metrics/stats-file.ts';
    import { frechetDistance } from './shared/metrics/frechet-distance.ts';
    import { kernelThreads } from './shared/metrics/linalg/simd-kernels.ts';
    import { FID_FIXTURES } from './shared/metrics/testing/fixtures.ts';
    const out = {};
    for (const name of ['d256_n1000', 'd512_rankdef_n300']) {
      const a = await loadStats(FID_FIXTURES + '/' + name + '_a.npz'), b = await loadStats(FID_FIXTURES + '/' + name + '_b.npz');
      out[name] = frechetDistance(a, b).fid;
    }
    console.log(JSON.stringify({ threads: kernelThreads(), out }));`;
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NEON_THREADS: '2' },
  });
  assert.equal(r.status, 0, r.stderr);
  const { threads, out } = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const { expectedFids, relErr } = await import('../testing/fixtures.ts');
  const want = expectedFids();
  if (simd) assert.equal(threads, 2);
  for (const [name, fid] of Object.entries(out as Record<string, number>))
    assert.ok(relErr(fid, want[name]) < 1e-6, `${name}: ${fid}`);
});
