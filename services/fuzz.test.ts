// Malformed input at every route of `neon serve` (all services, composed as in production, in process): bodies,
// headers, path segments and uploaded files from a seeded generator, a bounded number of them in a bounded time.
// No answer may be a 5xx (503 from readiness aside), none may hang past its own timeout, and the heap may not grow
// past a bound over the run (measured after a full collection, before and after).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mulberry32 } from '../shared/random/prng.ts';
import { writeSafetensors } from '../shared/safetensors/writer.ts';
import { encodePng } from '../shared/image/png.ts';
import { startTinyServer } from './tiny-server.test-util.ts';
import type { Server } from './server.ts';

const SEED = 20261202;
/** Requests per route at most, and the whole run's time budget. */
const PER_ROUTE = 25;
const BUDGET_MS = 90_000;
const REQUEST_TIMEOUT_MS = 15_000;
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;
const TOKEN = 'fuzz-token';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let dir: string;
let server: Server;

before(async () => {
  ({ dir, server } = await startTinyServer('neon-fuzz-', TOKEN));
  // a few real inputs in the store, so that mutations of valid requests reach past validation
  const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
  await mkdir(join(server.store.root, 'in', 'pngs'), { recursive: true });
  await writeSafetensors(join(server.store.root, 'in/a.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([1, 2]) },
  ]);
  await writeSafetensors(join(server.store.root, 'in/b.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([0, 4]) },
  ]);
  await writeFile(join(server.store.root, 'in/broken.onnx'), new Uint8Array([8, 7, 18, 255, 255, 255]));
  for (let i = 0; i < 8; i++)
    await writeFile(
      join(server.store.root, 'in/pngs', `${i}.png`),
      encodePng({ width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(i * 30) }),
    );
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const SEGMENTS = [
  '%00',
  'a%00b',
  '%ff',
  '%',
  '%E0%A4%A',
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  'x'.repeat(3000),
  '-1',
  '99999999999999999999',
  '0',
  'tiny-flow',
  'tiny-flow@base',
  'tiny-flow@%00',
  '%F0%9F%92%A5',
  'a%0d%0aSet-Cookie:x',
  'null',
  '%20',
  '💥',
  'a b',
  '%u0000',
];

const STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '%00',
  '../../../etc/passwd',
  '/etc/passwd',
  'in/a.safetensors',
  'in/broken.onnx',
  'in/pngs',
  'tiny-flow',
  'x'.repeat(5000),
  '0/9',
  '0/99999999999999999999',
  '8/8',
  '\ud800',
  '^(.*.*.*.*.*.*.*.*.*.*.*.*.*)Z$=1',
  '.*=0.5w',
  '(?<=a)b=1',
  '💥',
  '1e309',
  'NaN',
  '0'.repeat(64),
];
const NUMBERS = [0, -1, 1, 0.5, 1e15, -1e15, 1e308, Number.MAX_SAFE_INTEGER, 2 ** 31, 64, 65, 3.7];

/** Valid-looking bodies per route, mutated by `mutate`. */
const SEEDS: Record<string, unknown[]> = {
  'POST /v1/images/generations': [
    { model: 'tiny-flow', n: 1, seed: 1 },
    { model: 'tiny-flow', n: 2, class_labels: [0, 1], response_format: 'url' },
  ],
  'POST /v1/merges': [
    { base: 'in/a.safetensors', self: 'in/b.safetensors', w: 1 },
    { base: 'in/broken.onnx', self: 'in/broken.onnx', w: [1, 2], rules: ['w=0.5w'] },
  ],
  'POST /v1/fid': [{ a: '0'.repeat(64), b: '0'.repeat(64) }],
  'POST /v1/statistics': [{ folder: 'in/pngs', extractor: 'fmnist', shard: '0/2' }],
  'POST /v1/neon/runs': [{ model: 'tiny-flow', preset: 'smoke', config: { selftrain: { steps: 10 } } }],
};

function randomValue(r: Rand, depth = 0): unknown {
  const k = r();
  if (depth > 3 || k < 0.35) return pick(r, STRINGS);
  if (k < 0.6) return pick(r, NUMBERS);
  if (k < 0.65) return pick(r, [true, false, null]);
  if (k < 0.8) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(r() * 4) }, () => [
      pick(r, ['model', 'n', 'w', 'base', 'config', 'rules', 'a', 'shard', 'x\u0000', 'selftrain']),
      randomValue(r, depth + 1),
    ]),
  );
}

function mutate(r: Rand, v: unknown, depth = 0): unknown {
  if (v !== null && typeof v === 'object' && depth < 4) {
    if (Array.isArray(v)) return v.map((x) => (r() < 0.3 ? mutate(r, x, depth + 1) : x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (r() < 0.1) continue;
      out[k] = r() < 0.4 ? mutate(r, x, depth + 1) : x;
    }
    if (r() < 0.2) out[pick(r, ['extra', 'step', '__proto__', 'constructor'])] = randomValue(r);
    return out;
  }
  return r() < 0.7 ? randomValue(r, depth) : v;
}

function deepNesting(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function probes(r: Rand, method: string, pattern: string): Probe[] {
  const out: Probe[] = [];
  const fill = () => pattern.replace(/:[a-z]+/gi, () => pick(r, SEGMENTS));
  const auth = { authorization: `Bearer ${TOKEN}` };
  const key = `${method} ${pattern}`;
  for (let i = 0; i < PER_ROUTE; i++) {
    const path = pattern.includes(':')
      ? fill()
      : pattern +
        (r() < 0.15
          ? pick(r, ['?limit=%00', '?limit=-1', '?limit=1e309', `?${'q='.repeat(10)}`, '?after=99999999999999999999'])
          : '');
    const headers: Record<string, string> = {
      ...(r() < 0.9 ? auth : { authorization: pick(r, ['Bearer', 'Basic x', `Bearer ${'x'.repeat(5000)}`]) }),
    };
    if (r() < 0.2) headers['last-event-id'] = pick(r, ['99999999999999999999', '-1', 'abc', '1e3', '0', '']);
    if (r() < 0.1) headers.origin = pick(r, ['null', 'http://evil.example', 'garbage']);
    if (method === 'GET') {
      out.push({ method, path, headers });
      continue;
    }
    const kind = r();
    let body: string | Uint8Array;
    if (kind < 0.1) body = pick(r, ['', '{', 'null', '[]', '"x"', '1', deepNesting(5000), '{"a":1}garbage', '\u0000']);
    else if (kind < 0.2) body = Uint8Array.from({ length: Math.floor(r() * 2048) }, () => Math.floor(r() * 256));
    else if (kind < 0.6 && SEEDS[key]) body = JSON.stringify(mutate(r, pick(r, SEEDS[key])));
    else body = JSON.stringify(randomValue(r));
    const binary = body instanceof Uint8Array || r() < 0.1;
    headers['content-type'] = binary
      ? pick(r, ['application/octet-stream', 'application/json'])
      : pick(r, [
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/JSON',
          'multipart/form-data; boundary=x',
        ]);
    out.push({ method, path, headers, body });
  }
  return out;
}

async function send(p: Probe): Promise<number> {
  const controller = new AbortController();
  const run = (async () => {
    const res = await server.app.request(p.path, {
      method: p.method,
      headers: p.headers,
      body: p.body as BodyInit | undefined,
      signal: controller.signal,
    });
    // a stream (server-sent events) is only opened: its status is the answer
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
    else await res.arrayBuffer();
    return res.status;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('fuzzed bodies, headers, path segments and files at every route: no 5xx, no hang, bounded memory', {
  timeout: BUDGET_MS + 120_000,
}, async () => {
  const routes = [
    ...new Map(
      server.app.routes.filter((rt) => rt.method !== 'ALL').map((rt) => [`${rt.method} ${rt.path}`, rt]),
    ).values(),
  ];
  assert.ok(routes.length >= 15, `${routes.length} routes mounted`);
  const r = mulberry32(SEED);
  const failures: string[] = [];
  let sent = 0;
  // warm up every route once, so that what is loaded once (models, extractors) is not counted as growth
  for (const rt of routes)
    await send({
      method: rt.method,
      path: rt.path.replace(/:[a-z]+/gi, 'x'),
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: rt.method === 'GET' ? undefined : '{}',
    }).catch(() => 0);
  console.log(`# fuzz: warm-up done`);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  const slow: string[] = [];
  for (const rt of routes) {
    const t0 = Date.now();
    for (const p of probes(r, rt.method, rt.path)) {
      if (Date.now() - started > BUDGET_MS) break;
      sent++;
      try {
        const status = await send(p);
        const readiness = status === 503 && p.path.startsWith('/v2/health');
        if (status >= 500 && !readiness)
          failures.push(
            `${status} ${p.method} ${p.path.slice(0, 120)} ${JSON.stringify(p.headers).slice(0, 200)} ${String(p.body instanceof Uint8Array ? `<${p.body.length} bytes>` : p.body).slice(0, 300)}`,
          );
      } catch (err) {
        failures.push(
          `${(err as Error).message}: ${p.method} ${p.path.slice(0, 120)} ${String(p.body instanceof Uint8Array ? `<${p.body.length} bytes>` : p.body).slice(0, 300)}`,
        );
      }
    }
    if (Date.now() - t0 > 10_000) slow.push(`${rt.method} ${rt.path} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (slow.length > 0) console.log(`# fuzz: slow routes: ${slow.join(', ')}`);
  gc();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  console.log(
    `# fuzz: ${sent} requests at ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}); heap growth ${(growth / 1e6).toFixed(1)} MB`,
  );
  assert.deepEqual(failures, []);
  assert.ok(sent >= routes.length * 5, `only ${sent} requests in the time budget`);
  assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew ${(growth / 1e6).toFixed(1)} MB`);
});
