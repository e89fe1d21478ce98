// bench:coldstart — for each runtime (Node, Bun, Deno), `neon serve --service sampler` from process start to
//   live  (/v2/health/live answers 200: the port is open),
//   ready (/v2/health/ready answers 200: the shipped models are loaded), and
//   first image (the answer to POST /v1/images/generations {model, n: 1, seed: 0} sent as soon as ready),
// median over --runs R (default 5) on a warm NEON_HOME (one unmeasured start per runtime migrates and registers
// first), against the goals (ready ≤ 1.5 s, first image ≤ 2.5 s), with the load average before and after.
// Flags: --runs R, --runtimes node,bun,deno, --model NAME (default fmnist-flow), --all-models (serve every shipped
// model instead of only NAME). The servers use PGlite in a temporary NEON_HOME unless DATABASE_URL is set.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIMES, type Runtime } from '../services/runtime/runtime.ts';
import { startServe, until200 } from '../services/runtime/serve-process.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Math.min(50, Math.max(1, Number(arg('runs') ?? 5)));
const ONLY = (arg('runtimes')?.split(',') ?? [...RUNTIMES]) as Runtime[];
const MODEL = arg('model') ?? 'fmnist-flow';
const GOAL_READY = 1.5;
const GOAL_IMAGE = 2.5;
const TIMEOUT = 300_000;

for (const r of ONLY)
  if (!RUNTIMES.includes(r)) throw new Error(`--runtimes: unknown runtime '${r}' (${RUNTIMES.join(', ')})`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const home = await mkdtemp(join(tmpdir(), 'neon-coldstart-'));
const shipped = fileURLToPath(new URL('../models/', import.meta.url));
let modelsDir = shipped;
if (!args.includes('--all-models')) {
  modelsDir = join(home, 'models');
  await mkdir(modelsDir);
  await cp(join(shipped, MODEL), join(modelsDir, MODEL), { recursive: true });
}
const env = { NEON_HOME: home, NEON_MODELS_DIR: modelsDir, NEON_SAMPLER_JOBS: '0' };

interface Times {
  live: number;
  ready: number;
  image: number;
}

async function once(runtime: Runtime): Promise<Times> {
  const server = await startServe({ runtime, args: ['--service', 'sampler'], env, timeoutMs: TIMEOUT });
  try {
    const live = await until200(`${server.base}/v2/health/live`, TIMEOUT, 5);
    const ready = await until200(`${server.base}/v2/health/ready`, TIMEOUT, 5);
    const res = await fetch(`${server.base}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, n: 1, seed: 0 }),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`generation under ${runtime}: ${res.status} ${body.slice(0, 300)}`);
    const image = performance.now();
    const s = (t: number) => (t - server.spawnedAt) / 1000;
    return { live: s(live), ready: s(ready), image: s(image) };
  } finally {
    await server.close();
  }
}

console.log(
  `bench:coldstart — neon serve --service sampler (${MODEL}${modelsDir === shipped ? ' + every shipped model' : ''}), ${RUNS} runs per runtime, ${availableParallelism()} cores`,
);
console.log(`load average before: ${load()}`);
const rows: { runtime: Runtime; t: Times }[] = [];
for (const runtime of ONLY) {
  await once(runtime); // warm: migrations, registration, the runtimes' own caches
  const runs: Times[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(runtime));
  const t = {
    live: median(runs.map((r) => r.live)),
    ready: median(runs.map((r) => r.ready)),
    image: median(runs.map((r) => r.image)),
  };
  rows.push({ runtime, t });
  console.log(`  ${runtime}: runs ready ${runs.map((r) => r.ready.toFixed(2)).join(' ')} s`);
}
console.log('');
console.log('runtime   live (s)  ready (s)  first image (s)  ready/goal  image/goal');
for (const { runtime, t } of rows) {
  console.log(
    `${runtime.padEnd(8)}  ${t.live.toFixed(2).padStart(8)}  ${t.ready.toFixed(2).padStart(9)}  ${t.image.toFixed(2).padStart(15)}  ${(t.ready / GOAL_READY).toFixed(2).padStart(10)}  ${(t.image / GOAL_IMAGE).toFixed(2).padStart(10)}`,
  );
}
console.log(
  `goals: ready ≤ ${GOAL_READY} s, first image ≤ ${GOAL_IMAGE} s (ratio ≤ 1 meets the goal); medians of ${RUNS} warm-home starts`,
);
console.log(`load average after: ${load()}`);
await rm(home, { recursive: true, force: true });
