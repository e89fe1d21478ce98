// `neon serve` wiring, in process: PGlite in a fresh NEON_HOME (migrated), the shipped models folder registered,
// every app mounted for `all`, bearer tokens on mutating routes, the synthesize job worker, and promotion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { familyResolver } from '../shared/families/registry.ts';
import {
  tinyFlowFamily,
  tinyFlowModel,
  writeTinyFlowModel,
  TINY_CLASSES,
} from '../shared/families/test-fixtures/tiny-flow.ts';
import { enqueueJob } from '../shared/jobs/job-queue.ts';
import { waitForJob } from '../shared/jobs/wait-for-job.ts';
import { appendEvent, readEvents } from '../shared/events/event-log.ts';
import { registerModelVersion, setAlias } from '../shared/registry/registry.ts';
import { SampleSetReader } from '../shared/samples/sample-set.ts';
import { decodePng } from '../shared/image/png.ts';
import { serveConfigFromEnv } from './serve-config.ts';
import { createServer, type Server } from './server.ts';

let dir: string;
let env: Record<string, string>;
let server: Server;
const families = familyResolver({ flow: tinyFlowFamily });
const TOKEN = 'test-token-123';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neon-serve-'));
  await writeTinyFlowModel(join(dir, 'models'));
  env = {
    NEON_HOME: join(dir, 'home'),
    NEON_MODELS_DIR: join(dir, 'models'),
    NEON_API_TOKENS: TOKEN,
    NEON_ORT_THREADS: '1',
    NEON_SAMPLER_RESOLVE_TTL_MS: '600000',
  };
  server = await createServer(serveConfigFromEnv('all', env), { families, log: () => {} });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitReady(s: Server): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await s.app.request('/v2/health/ready')).status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('never ready');
}

const generate = (body: Record<string, unknown>, headers: Record<string, string> = auth) =>
  server.app.request('/v1/images/generations', { method: 'POST', headers, body: JSON.stringify(body) });

test('config: PORT defaults to 8080; a bad value names the variable', () => {
  assert.equal(serveConfigFromEnv('sampler', {}).port, 8080);
  assert.equal(serveConfigFromEnv('sampler', { PORT: '9000' }).port, 9000);
  assert.throws(() => serveConfigFromEnv('sampler', { PORT: 'eighty' }), /PORT/);
  assert.throws(() => serveConfigFromEnv('sampler', { NEON_ORT_PROVIDER: 'tpu' }), /NEON_ORT_PROVIDER/);
  assert.equal(serveConfigFromEnv('sampler', {}).ort.spinning, true);
  assert.equal(serveConfigFromEnv('sampler', { NEON_ORT_SPINNING: '0' }).ort.spinning, false);
  assert.throws(() => serveConfigFromEnv('sampler', { NEON_ORT_SPINNING: 'off' }), /NEON_ORT_SPINNING/);
});

test('serve all: shipped models registered and served; every app mounted; health for all', async () => {
  assert.deepEqual(
    server.registered.map((r) => r.name),
    ['tiny-flow'],
  );
  assert.equal(server.registered[0].tag, 'base');
  await waitReady(server);
  assert.deepEqual(await (await server.app.request('/v2/health/live')).json(), { live: true, service: 'all' });
  const list = await (await server.app.request('/v1/models')).json();
  assert.deepEqual(list.data.map((m: any) => m.id).sort(), ['tiny-flow']);
  const res = await generate({ model: 'tiny-flow', n: 2, seed: 3 });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).data.length, 2);
  const meta = await (await server.app.request('/v2/models/tiny-flow')).json();
  assert.deepEqual(meta.versions, [server.registered[0].tag]);
  // the merge and fid apps answer their own routes (here: validation errors from each)
  const merge = await server.app.request('/v1/merges', { method: 'POST', headers: auth, body: '{}' });
  assert.equal(merge.status, 400);
  assert.equal((await merge.json()).error.param, 'base');
  const fid = await server.app.request('/v1/fid', { method: 'POST', headers: auth, body: '{}' });
  assert.equal(fid.status, 400);
  assert.equal((await fid.json()).error.param, 'a');
  // and the orchestrator's
  const runs = await server.app.request('/v1/neon/runs');
  assert.equal(runs.status, 200);
  const bad = await server.app.request('/v1/neon/runs', { method: 'POST', headers: auth, body: '{}' });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.param, 'model');
});

test('with NEON_API_TOKENS, generation needs a bearer token; reads stay open', async () => {
  const none = await generate({ model: 'tiny-flow' }, { 'content-type': 'application/json' });
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, 'missing_api_key');
  const wrong = await generate(
    { model: 'tiny-flow' },
    { 'content-type': 'application/json', authorization: 'Bearer nope' },
  );
  assert.equal(wrong.status, 401);
  assert.equal((await server.app.request('/v1/models')).status, 200);
  assert.equal((await server.app.request('/v2/health/ready')).status, 200);
});

test('a synthesize job writes a sample set (progress events, recorded artifact) equal to the API images', async () => {
  const db = server.database!;
  const { job } = await enqueueJob(db.db, {
    type: 'synthesize',
    key: 'synth-test-1',
    payload: { model: 'tiny-flow', n: 10, batch: 3, shard_size: 4 },
  });
  const done = await waitForJob(db, job.id, { timeoutMs: 30_000 });
  assert.equal(done?.state, 'succeeded', JSON.stringify(done?.error));
  const id = done!.result!.sample_set as string;
  const set = await SampleSetReader.open(server.store, id);
  assert.equal(set.manifest.shards.length, 3);
  assert.equal(set.manifest.model.tag, server.registered[0].tag);
  const all = await set.readAll();
  const progress = await readEvents(db.db, { subject: `job:${job.id}`, types: ['job.progress'] });
  assert.equal(progress.length, 4);
  assert.deepEqual(
    progress.map((e) => (e.payload as any).progress?.done ?? (e.payload as any).done),
    [3, 6, 9, 10],
  );
  // the image of API seed j is sample j of stream 0, with class j mod num_classes
  const api = await (await generate({ model: 'tiny-flow', n: 10, seed: 0 })).json();
  for (let j = 0; j < 10; j++) {
    assert.equal(all.labels[j], j % TINY_CLASSES);
    assert.deepEqual(
      decodePng(Buffer.from(api.data[j].b64_json, 'base64')).data,
      all.images.subarray(j * 64, (j + 1) * 64),
    );
  }
});

test('a version promoted in the registry is served at once after refresh; name@base stays', async () => {
  const before = await (await generate({ model: 'tiny-flow', n: 1, seed: 9 })).json();
  const next = tinyFlowModel('tiny-flow', 77);
  const artifact = await server.store.put(next.onnx, 'onnx', { test: true });
  const v = await registerModelVersion(server.database!.db, {
    model: 'tiny-flow',
    tag: 'neon-test',
    artifact,
    manifest: next.manifest,
  });
  await setAlias(server.database!.db, 'tiny-flow', 'default', v.version.id);
  const r = await server.app.request('/v1/models/tiny-flow/refresh', { method: 'POST', headers: auth });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).version, 'neon-test');
  const after = await (await generate({ model: 'tiny-flow', n: 1, seed: 9 })).json();
  assert.equal(after.version, 'neon-test');
  assert.notEqual(after.data[0].b64_json, before.data[0].b64_json);
  const base = await (await generate({ model: 'tiny-flow@base', n: 1, seed: 9 })).json();
  assert.equal(base.data[0].b64_json, before.data[0].b64_json);
});

test('a finished neon.promote job in the event log makes the sampler serve the promoted alias at once', async () => {
  const db = server.database!.db;
  const a = tinyFlowModel('tiny-flow', 5);
  const b = tinyFlowModel('tiny-flow', 6);
  const va = await registerModelVersion(db, {
    model: 'tiny-flow',
    tag: 'neon-a',
    artifact: await server.store.put(a.onnx, 'onnx'),
    manifest: a.manifest,
  });
  const vb = await registerModelVersion(db, {
    model: 'tiny-flow',
    tag: 'neon-b',
    artifact: await server.store.put(b.onnx, 'onnx'),
    manifest: b.manifest,
  });
  await setAlias(db, 'tiny-flow', 'neon', va.version.id);
  const first = await (await generate({ model: 'tiny-flow@neon', n: 1, seed: 2 })).json();
  assert.equal(first.version, 'neon-a');
  await setAlias(db, 'tiny-flow', 'neon', vb.version.id);
  // the resolution is cached (TTL 10 min here): still neon-a until the promotion event arrives
  assert.equal((await (await generate({ model: 'tiny-flow@neon', n: 1, seed: 2 })).json()).version, 'neon-a');
  await appendEvent(db, {
    type: 'job.succeeded',
    subject: 'run:test',
    payload: { job_type: 'neon.promote', result: { ref: 'tiny-flow@neon-b', alias: 'tiny-flow@neon' } },
  });
  let version = '';
  for (let i = 0; i < 200 && version !== 'neon-b'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    version = (await (await generate({ model: 'tiny-flow@neon', n: 1, seed: 2 })).json()).version;
  }
  assert.equal(version, 'neon-b');
});

test('a restart on the same NEON_HOME registers nothing twice and keeps the promoted default', async () => {
  await server.close();
  server = await createServer(serveConfigFromEnv('sampler', { ...env, NEON_SAMPLER_JOBS: '0' }), {
    families,
    log: () => {},
  });
  assert.equal(server.registered.length, 1);
  await waitReady(server);
  const meta = await (await server.app.request('/v2/models/tiny-flow')).json();
  assert.equal(meta.versions.length, 4);
  assert.equal(meta.parameters.version, 'neon-test');
  assert.deepEqual(await (await server.app.request('/v2/health/live')).json(), { live: true, service: 'sampler' });
  // the sampler alone mounts no merge routes
  assert.equal((await server.app.request('/v1/merges', { method: 'POST', headers: auth, body: '{}' })).status, 404);
});
