import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { writeSafetensors } from '../../shared/safetensors/writer.ts';
import { openSafetensors } from '../../shared/safetensors/reader.ts';
import { RECIPE_KEY } from '../../shared/merge/merge-checkpoints.ts';
import { createMergeApp } from './app.ts';
import { storeReady } from './mount.ts';
import { composeApp } from '../compose-app.ts';

const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'merge-svc-'));
  const store = new ArtifactStore(root);
  const tmp = join(root, 'in');
  await mkdir(tmp);
  await writeSafetensors(join(tmp, 'base.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [3], data: f32([1, 2, 3]) },
  ]);
  await writeSafetensors(join(tmp, 'self.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [3], data: f32([0, 2, 5]) },
  ]);
  await writeSafetensors(join(tmp, 'other.safetensors'), [
    { name: 'v', dtype: 'F32', shape: [3], data: f32([0, 2, 5]) },
  ]);
  const baseArt = await store.adopt(join(tmp, 'base.safetensors'), 'safetensors', { note: 'base' });
  return { root, store, app: createMergeApp({ store }), baseId: baseArt.id };
}

const post = (app: ReturnType<typeof createMergeApp>, body: unknown) =>
  app.request('/v1/merges', {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

test('POST /v1/merges merges an artifact with a path in the store, one artifact per w, recipe in the manifest', async () => {
  const { root, store, app, baseId } = await setup();
  try {
    const res = await post(app, { base: baseId, self: 'in/self.safetensors', w: [1, 0.5] });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as {
      job: { id: string; status: string };
      artifacts: { id: string; w: number; bytes: number }[];
    };
    assert.equal(body.job.status, 'succeeded');
    assert.deepEqual(
      body.artifacts.map((a) => a.w),
      [1, 0.5],
    );
    const want = { 1: [2, 2, 1], 0.5: [1.5, 2, 2] } as Record<number, number[]>;
    for (const a of body.artifacts) {
      const m = (await store.manifest(a.id))!;
      assert.equal(m.kind, 'safetensors');
      assert.equal(m.bytes, a.bytes);
      const recipe = (m.config as { merge: { w: number; base: { path: string } } }).merge;
      assert.equal(recipe.w, a.w);
      assert.equal(recipe.base.path, baseId);
      const f = await openSafetensors(store.pathOf(a.id));
      assert.deepEqual(Array.from(new Float32Array((await f.readTensor('w')).buffer)), want[a.w]);
      assert.equal(JSON.parse(f.metadata[RECIPE_KEY]).w, a.w);
      await f.close();
    }
    const again = await app.request(`/v1/merges/${body.job.id}`);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { job: { id: string } }).job.id, body.job.id);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('bad input is a 400 naming the field; unknown artifacts are 404', async () => {
  const { root, app, baseId } = await setup();
  try {
    const cases: [unknown, number, string | null][] = [
      ['not json', 400, null],
      [{ base: baseId, self: 'in/self.safetensors' }, 400, 'w'],
      [{ base: baseId, self: 'in/self.safetensors', w: 'x' }, 400, 'w'],
      [{ base: baseId, self: 'in/self.safetensors', w: [1, 1] }, 400, 'w'],
      [{ base: baseId, self: 'in/self.safetensors', w: 1, rules: ['(=1'] }, 400, 'rules.0'],
      [
        { base: baseId, self: 'in/self.safetensors', w: 1, policies: { on_missing: 'maybe' } },
        400,
        'policies.on_missing',
      ],
      [{ base: 'f'.repeat(64), self: 'in/self.safetensors', w: 1 }, 404, 'base'],
      [{ base: baseId, self: 'in/nothing.safetensors', w: 1 }, 404, 'self'],
      [{ base: baseId, self: '../../etc/passwd', w: 1 }, 400, 'self'],
      [{ base: baseId, self: 'in/other.safetensors', w: 1 }, 400, null],
    ];
    for (const [body, status, param] of cases) {
      const res = await post(app, body);
      const json = (await res.json()) as { error: { message: string; param: string | null } };
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${json.error.message}`);
      assert.equal(json.error.param, param, `${JSON.stringify(body)}: ${json.error.message}`);
      assert.ok(json.error.message.length > 5);
    }
    const missing = await post(app, { base: baseId, self: 'in/other.safetensors', w: 1 });
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /tensor 'w'/);
    assert.equal((await app.request('/v1/merges/nope')).status, 404);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('mounted, the merge service is ready while its store folder exists', async () => {
  const { root, app, store } = await setup();
  try {
    const served = composeApp('merge', [{ app, ready: storeReady(store) }], { tokens: [] });
    assert.deepEqual(await (await served.request('/v2/health/ready')).json(), { ready: true, service: 'merge' });
    await rm(store.root, { recursive: true, force: true });
    const gone = await served.request('/v2/health/ready');
    assert.equal(gone.status, 503);
    assert.deepEqual(await gone.json(), { ready: false, service: 'merge' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
