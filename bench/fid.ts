// npm run bench:fid — the Fréchet distance at d = 2048 (fixture pair d2048_n5000), side by side in one run:
// 1. the distance alone, in this process: our exact eigenvalue route against pytorch-fid's scipy.linalg.sqrtm;
// 2. end to end, as a user runs it: `neon fid A.npz B.npz` (process start, reading both files, the distance)
//    against pytorch-fid's formula in a Python process (start-up, np.load, sqrtm), on the same files.
// Ours runs BENCH_REPEATS times (default 3; the median counts), scipy once; NEON_THREADS=2 uses a second thread.
// Both sides run as children at this process's priority (run it niced: `nice -n 10 npm run bench:fid`); the
// machine's load is printed beside every figure, wall and CPU seconds (user + system, from /usr/bin/time) both.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadStats } from '../shared/metrics/stats-file.ts';
import { frechetDistance } from '../shared/metrics/frechet-distance.ts';
import { expectedFids, FID_FIXTURES, relErr } from '../shared/metrics/testing/fixtures.ts';
import { kernelThreads, simd } from '../shared/metrics/linalg/simd-kernels.ts';

const a = join(FID_FIXTURES, 'd2048_n5000_a.npz');
const b = join(FID_FIXTURES, 'd2048_n5000_b.npz');
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const sa = await loadStats(a);
const sb = await loadStats(b);
const times: number[] = [];
let fid = NaN;
for (let i = 0; i < repeats; i++) {
  const t = performance.now();
  fid = frechetDistance(sa, sb).fid;
  times.push((performance.now() - t) / 1000);
}
const distance = median(times);
console.log('— the distance alone (in-process) —');
console.log(
  `neon   d=2048  FID ${fid}  time ${distance.toFixed(2)} s (Fréchet distance only, median of ${repeats}: ${times.map((t) => t.toFixed(2)).join(', ')}; threads ${kernelThreads()}, SIMD ${simd ? 'on' : 'off'})  [${load()}]`,
);

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
let scipyOk = false;
if (r.status !== 0) {
  console.log(
    `scipy  not run (${r.error ? 'python3 not found' : r.stderr.trim().split('\n').pop()}; apt-get install -y python3-scipy)`,
  );
} else {
  scipyOk = true;
  const [pyFid, pyTime] = r.stdout.trim().split(/\s+/).map(Number);
  console.log(
    `scipy  d=2048  FID ${pyFid}  time ${pyTime.toFixed(2)} s (scipy.linalg.sqrtm, pytorch-fid's formula)  [${load()}]`,
  );
  console.log(
    `ratio  scipy/neon = ${(pyTime / distance).toFixed(2)}x   |ΔFID|/FID = ${relErr(fid, pyFid).toExponential(2)}`,
  );
}

// ---- end to end: a process each, as a user runs them -------------------------------------------------------
interface Run {
  wall: number;
  cpu: number;
  stdout: string;
}
const haveTime = existsSync('/usr/bin/time');
function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const t = performance.now();
  const p = haveTime
    ? spawnSync('/usr/bin/time', ['-f', '@cpu %U %S', cmd, ...argv], { encoding: 'utf8', env })
    : spawnSync(cmd, argv, { encoding: 'utf8', env });
  const wall = (performance.now() - t) / 1000;
  if (p.status !== 0) throw new Error(`${cmd} failed (${p.status}): ${p.stderr}`);
  const m = /@cpu ([\d.]+) ([\d.]+)/.exec(p.stderr);
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, stdout: p.stdout };
}
const fmt = (x: Run) => `${x.wall.toFixed(2)} s wall, ${Number.isFinite(x.cpu) ? x.cpu.toFixed(2) : '?'} s CPU`;
const neonArgv = [join(import.meta.dirname, '..', 'bin', 'neon.js'), 'fid', a, b, '--json'];
console.log('— end to end (process start, reading both files, the distance) —');
// the first start after a change of the sources compiles them (bin/compiled.js); that run is shown, not counted
const first = timed(process.execPath, neonArgv);
console.log(`neon fid (first start, may compile)  ${fmt(first)}  [${load()}]`);
const runs: Run[] = [];
for (let i = 0; i < repeats; i++) {
  const x = timed(process.execPath, neonArgv);
  runs.push(x);
  console.log(
    `neon fid A.npz B.npz                 ${fmt(x)}  FID ${JSON.parse(x.stdout.trim().split('\n').pop()!).fid}  [${load()}]`,
  );
}
const neonWall = median(runs.map((x) => x.wall));
const neonCpu = median(runs.map((x) => x.cpu));
const want = expectedFids().d2048_n5000;
const neonFid = JSON.parse(runs[0].stdout.trim().split('\n').pop()!).fid as number;
console.log(
  `neon median of ${repeats}: ${neonWall.toFixed(2)} s wall, ${neonCpu.toFixed(2)} s CPU;  |ΔFID|/FID against the fixture's scipy value = ${relErr(neonFid, want).toExponential(2)}`,
);
if (scipyOk) {
  const pyE2e = `
import sys, numpy as np
from scipy import linalg
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
mu1, s1, mu2, s2 = a['mu'], a['sigma'], b['mu'], b['sigma']
diff = mu1 - mu2
covmean = linalg.sqrtm(s1.dot(s2))
if not np.isfinite(covmean).all():
    off = np.eye(s1.shape[0]) * 1e-6
    covmean = linalg.sqrtm((s1 + off).dot(s2 + off))
if np.iscomplexobj(covmean):
    covmean = covmean.real
print(repr(float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))))
`;
  const py = timed('python3', ['-W', 'ignore', '-c', pyE2e, a, b]);
  const pyFid = Number(py.stdout.trim());
  console.log(`python3 + scipy (pytorch-fid)        ${fmt(py)}  FID ${pyFid}  [${load()}]`);
  console.log(
    `ratio end to end  scipy/neon = ${(py.wall / neonWall).toFixed(2)}x wall, ${(py.cpu / neonCpu).toFixed(2)}x CPU  (goal ≥ 5x)   |ΔFID|/FID = ${relErr(neonFid, pyFid).toExponential(2)}`,
  );
}
