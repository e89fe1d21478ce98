// The merge service with a database: merges are recorded jobs, run by a worker, idempotent on the request and the
// content of its inputs, and their artifacts are recorded in the registry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { writeSafetensors } from '../../shared/safetensors/writer.ts';
import { openDatabase } from '../../shared/db/database.ts';
import { runWorker } from '../../shared/jobs/worker.ts';
import { getArtifact } from '../../shared/registry/registry.ts';
import { readEvents } from '../../shared/events/event-log.ts';
import { createMergeApp, mergeJobHandler, MERGE_JOB } from './app.ts';

const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

test('POST /v1/merges with a database: a recorded, idempotent job; GET reads it back', async () => {
  const root = await mkdtemp(join(tmpdir(), 'merge-job-'));
  const store = new ArtifactStore(join(root, 'artifacts'));
  await mkdir(join(store.root, 'in'), { recursive: true });
  await writeSafetensors(join(store.root, 'in/base.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([1, 2]) },
  ]);
  await writeSafetensors(join(store.root, 'in/self.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([0, 4]) },
  ]);
  const database = await openDatabase({ dataDir: join(root, 'db') });
  const stop = new AbortController();
  const worker = runWorker({
    database,
    type: MERGE_JOB,
    handler: mergeJobHandler({ store, database }),
    signal: stop.signal,
    pollMs: 100,
  });
  after(async () => {
    stop.abort();
    await worker;
    await database.close();
  });
  const app = createMergeApp({ store, database });
  const post = (body: unknown) =>
    app.request('/v1/merges', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  const res = await post({ base: 'in/base.safetensors', self: 'in/self.safetensors', w: 1 });
  assert.equal(res.status, 201, await res.clone().text());
  const body = (await res.json()) as {
    job: { id: string; status: string; attempts: number };
    artifacts: { id: string; w: number }[];
  };
  assert.equal(body.job.status, 'succeeded');
  assert.equal(body.artifacts.length, 1);
  // (1+w)·θr − w·θs at w = 1: [2·1 − 0, 2·2 − 4] = [2, 0]
  const out = await store.read(body.artifacts[0].id);
  assert.deepEqual(Array.from(new Float32Array(out.buffer, out.byteOffset + out.length - 8, 2)), [2, 0]);
  assert.ok(await getArtifact(database.db, body.artifacts[0].id), 'the artifact is recorded in the registry');

  // the same request again is the same job, not a second merge
  const again = (await (
    await post({ base: 'in/base.safetensors', self: 'in/self.safetensors', w: 1 })
  ).json()) as typeof body;
  assert.equal(again.job.id, body.job.id);
  assert.equal(again.job.attempts, 1);

  const got = await app.request(`/v1/merges/${body.job.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(((await got.json()) as typeof body).artifacts, body.artifacts);
  assert.equal((await app.request('/v1/merges/999999')).status, 404);

  const events = await readEvents(database.db, { subject: `job:${body.job.id}`, limit: 20 });
  assert.deepEqual(
    events.map((e) => e.type),
    ['job.queued', 'job.started', 'job.succeeded'],
  );

  // the same request over replaced bytes is a new job with the new inputs' result, not the cached one
  await writeSafetensors(join(store.root, 'in/base.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([3, 2]) },
  ]);
  const replaced = (await (
    await post({ base: 'in/base.safetensors', self: 'in/self.safetensors', w: 1 })
  ).json()) as typeof body;
  assert.notEqual(replaced.job.id, body.job.id);
  const out2 = await store.read(replaced.artifacts[0].id);
  assert.deepEqual(Array.from(new Float32Array(out2.buffer, out2.byteOffset + out2.length - 8, 2)), [6, 0]);

  // a merge that failed on its input runs again once the input is fixed
  await writeSafetensors(join(store.root, 'in/self.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [3], data: f32([0, 4, 5]) },
  ]);
  const failed = await post({ base: 'in/base.safetensors', self: 'in/self.safetensors', w: 1 });
  assert.equal(failed.status, 400, await failed.clone().text());
  await writeSafetensors(join(store.root, 'in/self.safetensors'), [
    { name: 'w', dtype: 'F32', shape: [2], data: f32([1, 4]) },
  ]);
  const fixed = await post({ base: 'in/base.safetensors', self: 'in/self.safetensors', w: 1 });
  assert.equal(fixed.status, 201, await fixed.clone().text());
  const out3 = await store.read(((await fixed.json()) as typeof body).artifacts[0].id);
  assert.deepEqual(Array.from(new Float32Array(out3.buffer, out3.byteOffset + out3.length - 8, 2)), [5, 0]);

  // bad input is answered before anything is queued, naming the field
  const bad = await post({ base: 'in/missing.safetensors', self: 'in/self.safetensors', w: 1 });
  assert.equal(bad.status, 404);
  assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'base');
});
