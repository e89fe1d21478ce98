// The same `neon serve --service sampler` under Node, Bun and Deno: each answers the OIP health routes and the
// generation API, and the images of the same seeds are byte-identical across the three. Bun and Deno are dev
// dependencies: a missing binary fails here with what to do, it is not skipped. Bun and Deno are started through
// `neon serve --runtime <name>` from Node (the flag's re-run), Node directly. The servers share the test
// PostgreSQL in a fresh schema (as deployed; PGlite under each runtime is what bench:coldstart starts), or PGlite in
// a temporary NEON_HOME with NEON_TEST_POSTGRES=skip.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testPostgres } from '../../shared/db/test-backends.ts';
import { RUNTIMES, type Runtime } from './runtime.ts';
import { requireRuntimeBinary, startServe, until200 } from './serve-process.ts';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const MODEL = 'fmnist-flow';
const TIMEOUT = 300_000;

let home: string;
let models: string;
let postgres: { url: string; schema: string } | undefined;
before(async () => {
  postgres = await testPostgres();
  home = await mkdtemp(join(tmpdir(), 'neon-runtimes-'));
  // one small shipped model, so that each server is ready quickly
  models = join(home, 'models');
  await mkdir(models);
  await cp(join(MODELS, MODEL), join(models, MODEL), { recursive: true });
});
after(async () => {
  if (postgres) {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${postgres.schema}" CASCADE`);
    await client.end();
  }
  await rm(home, { recursive: true, force: true });
});

test('bun and deno are installed (dev dependencies)', () => {
  for (const runtime of RUNTIMES) requireRuntimeBinary(runtime);
});

const images = new Map<Runtime, string[]>();

for (const runtime of RUNTIMES) {
  test(`neon serve under ${runtime}: health routes and generations`, { timeout: TIMEOUT + 60_000 }, async () => {
    // one NEON_HOME and database for all three, in turn: the second and third start on a current schema and
    // registered models
    const db = postgres
      ? { DATABASE_URL: postgres.url, NEON_DB_SCHEMA: postgres.schema }
      : { DATABASE_URL: undefined, NEON_DB_SCHEMA: undefined };
    const server = await startServe({
      runtime,
      via: runtime === 'node' ? 'binary' : 'flag',
      args: ['--service', 'sampler'],
      env: { NEON_HOME: home, NEON_MODELS_DIR: models, NEON_ORT_THREADS: '1', NEON_SAMPLER_JOBS: '0', ...db },
      timeoutMs: TIMEOUT,
    });
    try {
      assert.equal(server.runtime, runtime, server.log());
      const live = await fetch(`${server.base}/v2/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { live: true, service: 'sampler' });
      await until200(`${server.base}/v2/health/ready`, TIMEOUT, 50);
      const ready = await fetch(`${server.base}/v2/health/ready`);
      assert.deepEqual(await ready.json(), { ready: true, service: 'sampler' });
      const res = await fetch(`${server.base}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, n: 3, seed: 11, response_format: 'b64_json' }),
      });
      const body = (await res.json()) as { data: { b64_json: string; seed: number }[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(
        body.data.map((d) => d.seed),
        [11, 12, 13],
      );
      for (const d of body.data)
        assert.deepEqual(
          [...Buffer.from(d.b64_json, 'base64').subarray(0, 8)],
          [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
        );
      // bad input is still the API's 400 naming the field, whatever the runtime
      const bad = await fetch(`${server.base}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, n: 0 }),
      });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: { message: string } }).error.message, /^n:/);
      images.set(
        runtime,
        body.data.map((d) => d.b64_json),
      );
    } finally {
      assert.equal(await server.close(), 0, server.log());
    }
  });
}

test('the same seeds give byte-identical images under every runtime', () => {
  const node = images.get('node');
  assert.ok(node, 'the Node run produced no images');
  for (const runtime of RUNTIMES) assert.deepEqual(images.get(runtime), node, `${runtime} differs from node`);
});
