import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/database.ts';
import { ArtifactStore } from '../store/artifact-store.ts';
import { resolveModel, listModelVersions, setAlias, registerModelVersion } from '../registry/registry.ts';
import { writeTinyFlowModel, tinyFlowModel } from '../families/test-fixtures/tiny-flow.ts';
import { registerShippedModels } from './register-shipped.ts';
import { FolderModelSource } from './model-source.ts';

test('shipped models: registered once as base; changed files become base-<hash>; broken folders are skipped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-shipped-'));
  const database = await openDatabase({ dataDir: join(dir, 'db') });
  try {
    const store = new ArtifactStore(join(dir, 'artifacts'));
    const models = join(dir, 'models');
    await writeTinyFlowModel(models, 'tiny-flow', 1);
    await mkdir(join(models, 'broken'));
    await writeFile(join(models, 'broken', 'model.json'), '{"name": "broken"}');
    await writeFile(join(models, 'broken', 'model.onnx'), 'x');
    await mkdir(join(models, 'not-a-model'));
    const skipped: string[] = [];
    const first = await registerShippedModels(database.db, store, models, (f) => skipped.push(f));
    assert.deepEqual(
      first.map((r) => [r.name, r.tag, r.created]),
      [['tiny-flow', 'base', true]],
    );
    assert.deepEqual(skipped, ['broken']);
    assert.deepEqual(
      (await registerShippedModels(database.db, store, models)).map((r) => [r.tag, r.created]),
      [['base', false]],
    );
    // the folder source skips the broken one too
    assert.deepEqual(
      (await new FolderModelSource(models).list()).map((m) => m.id),
      ['tiny-flow'],
    );
    // new files: a new version, and the bare name follows it (it pointed at a shipped version)
    await writeTinyFlowModel(models, 'tiny-flow', 2);
    const second = await registerShippedModels(database.db, store, models);
    assert.match(second[0].tag, /^base-[0-9a-f]{12}$/);
    assert.equal((await resolveModel(database.db, 'tiny-flow'))!.version.tag, second[0].tag);
    // once a promoted version holds the bare name, newer shipped files do not take it
    const p = tinyFlowModel('tiny-flow', 3);
    const promoted = await registerModelVersion(database.db, {
      model: 'tiny-flow',
      tag: 'neon-r1',
      artifact: await store.put(p.onnx, 'onnx'),
      manifest: p.manifest,
    });
    await setAlias(database.db, 'tiny-flow', 'default', promoted.version.id);
    await writeTinyFlowModel(models, 'tiny-flow', 4);
    await registerShippedModels(database.db, store, models);
    assert.equal((await resolveModel(database.db, 'tiny-flow'))!.version.tag, 'neon-r1');
    assert.equal((await listModelVersions(database.db, 'tiny-flow'))!.versions.length, 4);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});
