// Benchmark: `neon merge` of two BF16 checkpoints (1 GiB each by default, default settings) against `cp` of both
// inputs (the same bytes read) and `cp` of one (the bytes written), side by side in one run, each BENCH_REPEATS times
// (default 2, alternating; the best of each counts), with the merge's CPU time and peak RSS (/usr/bin/time -v of the
// neon process) and the machine's load beside every figure. Both sides run at this process's priority: run it
// niced (`nice -n 10 npm run bench:merge`). Goals: ≥ 0.5 of the speed of `cp` of both inputs, peak RSS ≤ 512 MB.
// Usage: npm run bench:merge [-- --gb 1 --w 1.5]   (files under $NEON_HOME/tmp or the OS temp folder; removed after)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsWriter } from '../shared/safetensors/writer.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const GB = Number(arg('gb', '1'));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const W = arg('w', '1.5');
const TENSOR_BYTES = 128 << 20;

/** A BF16 checkpoint of `bytes` bytes: tensors of 128 MB of finite values near ±1 (xorshift32, seeded). */
async function generate(path: string, bytes: number, seed: number, perturb: boolean): Promise<void> {
  const n = Math.max(1, Math.round(bytes / TENSOR_BYTES));
  const specs = Array.from({ length: n }, (_, i) => ({
    name: `blocks.${i}.weight`,
    dtype: 'BF16' as const,
    shape: [TENSOR_BYTES / 2 / 1024, 1024],
  }));
  const w = await SafetensorsWriter.create(path, specs);
  const chunk = new Uint16Array((8 << 20) >> 1);
  let x = seed >>> 0 || 1;
  for (const s of specs) {
    for (let off = 0; off < TENSOR_BYTES; off += chunk.byteLength) {
      for (let i = 0; i < chunk.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        // sign, exponent 2^-2..2^1, 7 random mantissa bits; self differs in the low mantissa bits
        chunk[i] = (x & 0x8000) | (0x3e80 + ((x >>> 16) & 0x1ff)) | (perturb ? x & 3 : 0);
      }
      await w.write(s.name, off, new Uint8Array(chunk.buffer), chunk.byteLength);
    }
  }
  await w.finish();
}

function timed(
  cmd: string,
  argv: string[],
): Promise<{ seconds: number; stdout: string; stderr: string; code: number }> {
  return new Promise((resolveP) => {
    const t0 = performance.now();
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolveP({ seconds: (performance.now() - t0) / 1000, stdout, stderr, code: code ?? 1 }));
  });
}

const root = process.env.NEON_HOME ? join(process.env.NEON_HOME, 'tmp') : tmpdir();
await mkdir(root, { recursive: true });
const dir = await mkdtemp(join(root, 'bench-merge-'));
try {
  const a = join(dir, 'base.safetensors');
  const b = join(dir, 'self.safetensors');
  const bytes = GB * 1024 ** 3;
  console.log(`generating two ${GB} GB BF16 checkpoints in ${dir} ...`);
  await generate(a, bytes, 12345, false);
  await generate(b, bytes, 12345, true);
  const inputBytes = (await stat(a)).size + (await stat(b)).size;
  spawnSync('sync');

  const neon = join(import.meta.dirname, '..', 'bin', 'neon.js');
  const out = join(dir, 'neon.safetensors');
  const haveTime = existsSync('/usr/bin/time');
  const mergeArgv = [neon, 'merge', '--base', a, '--self', b, '--w', W, '--out', out, '--json', '--quiet'];
  const mb = (x: number) => `${(x / 1e6).toFixed(0)} MB/s`;
  console.log(`inputs: ${(inputBytes / 1e9).toFixed(2)} GB (2 × BF16), w = ${W}, ${REPEATS} rounds  [${load()}]`);
  const best = { merge: Infinity, both: Infinity, one: Infinity };
  let summary: { merged: number; seconds: number } | undefined;
  let rssKb = NaN;
  let cpu = NaN;
  for (let round = 0; round < REPEATS; round++) {
    await rm(out, { force: true });
    const m = haveTime
      ? await timed('/usr/bin/time', ['-v', process.execPath, ...mergeArgv])
      : await timed(process.execPath, mergeArgv);
    if (m.code !== 0) throw new Error(`merge failed (${m.code}): ${m.stderr}`);
    summary = JSON.parse(m.stdout.trim().split('\n').pop()!);
    const rss = haveTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(m.stderr)?.[1]) : NaN;
    const c = haveTime
      ? Number(/User time \(seconds\): ([\d.]+)/.exec(m.stderr)?.[1]) +
        Number(/System time \(seconds\): ([\d.]+)/.exec(m.stderr)?.[1])
      : NaN;
    rssKb = Number.isFinite(rssKb) ? Math.max(rssKb, rss) : rss;
    if (m.seconds < best.merge) cpu = c;
    best.merge = Math.min(best.merge, m.seconds);
    console.log(
      `  merge (end to end)  ${m.seconds.toFixed(2)} s  ${mb(inputBytes / m.seconds)} of input, ${Number.isFinite(c) ? c.toFixed(2) : '?'} s CPU, peak RSS ${Number.isFinite(rss) ? `${(rss / 1024).toFixed(0)} MB` : '?'}  [${load()}]`,
    );
    await rm(out, { force: true });
    const both = await timed('sh', ['-c', `cp '${a}' '${dir}/cp-a' && cp '${b}' '${dir}/cp-b'`]);
    if (both.code !== 0) throw new Error(`cp failed: ${both.stderr}`);
    best.both = Math.min(best.both, both.seconds);
    console.log(`  cp of both inputs   ${both.seconds.toFixed(2)} s  ${mb(inputBytes / both.seconds)}  [${load()}]`);
    await rm(join(dir, 'cp-a'), { force: true });
    await rm(join(dir, 'cp-b'), { force: true });
    const one = await timed('cp', [a, join(dir, 'cp-a')]);
    if (one.code !== 0) throw new Error(`cp failed: ${one.stderr}`);
    best.one = Math.min(best.one, one.seconds);
    console.log(`  cp of one input     ${one.seconds.toFixed(2)} s  ${mb(inputBytes / 2 / one.seconds)}  [${load()}]`);
    await rm(join(dir, 'cp-a'), { force: true });
  }
  console.log(
    `best of ${REPEATS}: merge ${best.merge.toFixed(2)} s (${cpu.toFixed(2)} s CPU; streaming part of the last ${summary!.seconds.toFixed(2)} s, ${summary!.merged} tensors each), cp both ${best.both.toFixed(2)} s, cp one ${best.one.toFixed(2)} s  [${load()}]`,
  );
  console.log(
    `ratio merge / cp of both inputs (same bytes read):  ${(best.both / best.merge).toFixed(2)}  (goal ≥ 0.5)`,
  );
  console.log(`ratio merge / cp of one input (same bytes written): ${(best.one / best.merge).toFixed(2)}`);
  console.log(
    `merge peak RSS: ${Number.isFinite(rssKb) ? `${(rssKb / 1024).toFixed(0)} MB` : 'unknown (no /usr/bin/time)'}  (goal ≤ 512 MB)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
