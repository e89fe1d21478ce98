// npm run bench:fid — the Fréchet distance at d = 2048 (fixture pair d2048_n5000): our exact eigenvalue route
// against pytorch-fid's scipy.linalg.sqrtm route on the same pair, side by side in one run, with both FID values.
// Ours runs BENCH_REPEATS times (default 3; the median counts), scipy once; NEON_THREADS=2 uses a second thread.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadStats } from '../shared/metrics/stats-file.ts';
import { frechetDistance } from '../shared/metrics/frechet-distance.ts';
import { FID_FIXTURES } from '../shared/metrics/testing/fixtures.ts';
import { kernelThreads, simd } from '../shared/metrics/linalg/simd-kernels.ts';

const a = join(FID_FIXTURES, 'd2048_n5000_a.npz');
const b = join(FID_FIXTURES, 'd2048_n5000_b.npz');
const repeats = Number(process.env.BENCH_REPEATS ?? 3);

const sa = await loadStats(a);
const sb = await loadStats(b);
const times: number[] = [];
let fid = NaN;
for (let i = 0; i < repeats; i++) {
  const t = performance.now();
  fid = frechetDistance(sa, sb).fid;
  times.push((performance.now() - t) / 1000);
}
const median = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)];
console.log(`neon   d=2048  FID ${fid}  time ${median.toFixed(2)} s (Fréchet distance only, median of ${repeats}: ${times.map((t) => t.toFixed(2)).join(', ')}; threads ${kernelThreads()}, SIMD ${simd ? 'on' : 'off'})`);

// pytorch-fid's calculate_frechet_distance (scipy sqrtm of Σ1Σ2), timed the same way: the distance only
const py = `
import sys, time, numpy as np
from scipy import linalg
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
mu1, s1, mu2, s2 = a['mu'], a['sigma'], b['mu'], b['sigma']
t = time.perf_counter()
diff = mu1 - mu2
covmean = linalg.sqrtm(s1.dot(s2))
if not np.isfinite(covmean).all():
    off = np.eye(s1.shape[0]) * 1e-6
    covmean = linalg.sqrtm((s1 + off).dot(s2 + off))
if np.iscomplexobj(covmean):
    covmean = covmean.real
fid = diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
print(repr(float(fid)), time.perf_counter() - t)
`;
const r = spawnSync('python3', ['-c', py, a, b], { encoding: 'utf8' });
if (r.status !== 0) {
  console.log(`scipy  not run (${r.error ? 'python3 not found' : r.stderr.trim().split('\n').pop()})`);
} else {
  const [pyFid, pyTime] = r.stdout.trim().split(/\s+/).map(Number);
  console.log(`scipy  d=2048  FID ${pyFid}  time ${pyTime.toFixed(2)} s (scipy.linalg.sqrtm, pytorch-fid's formula)`);
  console.log(`ratio  scipy/neon = ${(pyTime / median).toFixed(2)}x   |ΔFID|/FID = ${(Math.abs(fid - pyFid) / Math.abs(pyFid)).toExponential(2)}`);
}
