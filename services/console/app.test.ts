// The console's own routes in process: the page and its files, the registry as models → versions with lineage and
// aliases, and the FID-versus-w lines (one per snapshot and guidance scale, starting at the base, chosen point once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/db/database.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { registerModelVersion, setAlias } from '../../shared/registry/registry.ts';
import { tinyFlowModel } from '../../shared/families/test-fixtures/tiny-flow.ts';
import { createRun } from '../orchestrator/orchestrator.ts';
import { createConsoleApp, curveSeries } from './app.ts';

test('the page, its files, the models with lineage, and a missing run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-console-app-'));
  const database = await openDatabase({ memory: true });
  try {
    const store = new ArtifactStore(join(dir, 'artifacts'));
    const a = tinyFlowModel('tiny-flow', 1);
    const b = tinyFlowModel('tiny-flow', 2);
    const base = await registerModelVersion(database.db, {
      model: 'tiny-flow',
      tag: 'base',
      artifact: await store.put(a.onnx, 'onnx'),
      manifest: a.manifest,
    });
    const neon = await registerModelVersion(database.db, {
      model: 'tiny-flow',
      tag: 'neon-r1',
      artifact: await store.put(b.onnx, 'onnx'),
      manifest: b.manifest,
      baseVersionId: base.version.id,
      snapshot: 40,
      w: 1.5,
      runId: 'r1',
    });
    await setAlias(database.db, 'tiny-flow', 'neon', neon.version.id);
    const app = createConsoleApp({ database });

    const page = await app.request('/');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/console\/console.js"><\/script>/);
    assert.match(
      html,
      /<tr class="loading"><td colspan="7">Loading models…<\/td><\/tr>/,
      'a loading row, not an empty table',
    );
    assert.doesNotMatch(html, /https?:\/\//, 'no external resources');
    const js = await app.request('/console/console.js');
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const source = await js.text();
    assert.match(source, /new EventSource/);
    assert.match(source, /from '\.\/format\.js'/);
    const format = await app.request('/console/format.js');
    assert.equal(format.status, 200);
    assert.match(format.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await app.request('/console/nope.js')).status, 404);

    const { data } = await (await app.request('/v1/console/models')).json();
    assert.equal(data.length, 1);
    assert.deepEqual(data[0].aliases, { default: 'base', neon: 'neon-r1' });
    assert.deepEqual(
      data[0].versions.map((v: { tag: string }) => v.tag),
      ['base', 'neon-r1'],
    );
    assert.equal(data[0].versions[0].lineage, null);
    assert.deepEqual(data[0].versions[1].lineage, {
      base_version_id: base.version.id,
      base_tag: 'base',
      snapshot: 40,
      w: 1.5,
      run_id: 'r1',
    });
    assert.deepEqual(data[0].versions[1].data_shape, a.manifest.data.shape);
    assert.equal(data[0].versions[0].class_names, null, 'tiny-flow names no classes');
    assert.deepEqual(data[0].runs, [], 'no run made from it yet');

    // a version naming its classes, and a run made from the base: linked both ways
    const k = a.manifest.conditioning.num_classes;
    const names = Array.from({ length: k }, (_, i) => `kind-${i}`);
    await registerModelVersion(database.db, {
      model: 'tiny-flow',
      tag: 'named',
      artifact: await store.put(tinyFlowModel('tiny-flow', 3).onnx, 'onnx'),
      manifest: { ...a.manifest, conditioning: { ...a.manifest.conditioning, class_names: names } },
    });
    await createRun(database.db, { model: 'tiny-flow', preset: 'smoke', id: 'r2' });
    const again = (await (await app.request('/v1/console/models')).json()).data[0];
    assert.deepEqual(again.versions.find((v: { tag: string }) => v.tag === 'named').class_names, names);
    assert.deepEqual(again.runs, [{ id: 'r2', base_version_id: base.version.id, state: 'pending' }]);

    const missing = await app.request('/v1/console/runs/none/curves.svg');
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.param, 'id');
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('curveSeries: a line per (snapshot, cfg) from the base point, w ascending, the chosen point marked once', () => {
  const pts = [
    { snapshot: null, w: 0, cfg: 1, fid: 10 },
    { snapshot: null, w: 0, cfg: 2, fid: 12 },
    { snapshot: 20, w: 1, cfg: 1, fid: 8 },
    { snapshot: 20, w: 0.5, cfg: 1, fid: 9 },
    { snapshot: 40, w: 0.5, cfg: 1, fid: 7 },
    { snapshot: 20, w: 0.5, cfg: 2, fid: 11 },
  ];
  const s = curveSeries(pts, { snapshot: 40, w: 0.5, cfg: 1 });
  assert.deepEqual(
    s.map((x) => x.label),
    ['step 20, cfg 1', 'step 20, cfg 2', 'step 40, cfg 1'],
  );
  assert.deepEqual(s[0].points, [
    [0, 10],
    [0.5, 9],
    [1, 8],
  ]);
  assert.deepEqual(s[1].points, [
    [0, 12],
    [0.5, 11],
  ]);
  assert.deepEqual(
    s.map((x) => x.marker),
    [undefined, undefined, [0.5, 7]],
  );
  // the base chosen (w = 0): it lies on every cfg-1 line; circled once
  const b = curveSeries(pts, { snapshot: null, w: 0, cfg: 1 });
  assert.deepEqual(
    b.map((x) => x.marker),
    [[0, 10], undefined, undefined],
  );
});
