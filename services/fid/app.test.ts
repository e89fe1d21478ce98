import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFidApp } from './app.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { expectedFids, FID_FIXTURES, FID_PAIRS, relErr } from '../../shared/metrics/testing/fixtures.ts';
import { encodePng } from '../../shared/image/png.ts';
import type { FeatureExtractor } from '../../shared/features/extractor.ts';
import { UnavailableError } from '../../shared/features/registry.ts';

const expected = expectedFids();

function setup(extractor?: (spec: string) => Promise<FeatureExtractor>) {
  const store = new ArtifactStore(mkdtempSync(join(tmpdir(), 'fidsvc-')));
  return { store, app: createFidApp({ store, extractor }) };
}

async function upload(app: ReturnType<typeof createFidApp>, file: string) {
  const res = await app.request('/v1/statistics', {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: readFileSync(file),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const post = (app: ReturnType<typeof createFidApp>, path: string, body: unknown) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('every fixture pair through POST /v1/statistics and POST /v1/fid', async () => {
  const { app, store } = setup();
  for (const name of FID_PAIRS) {
    const a = await upload(app, join(FID_FIXTURES, `${name}_a.npz`));
    const b = await upload(app, join(FID_FIXTURES, `${name}_b.npz`));
    assert.equal(a.status, 201);
    const res = await post(app, '/v1/fid', { a: a.body.id, b: b.body.id });
    assert.equal(res.status, 200);
    const out = (await res.json()) as any;
    assert.ok(relErr(out.fid, expected[name]) < 1e-6, `${name}: ${out.fid}`);
    assert.deepEqual(Object.keys(out).sort(), ['fid', 'n_a', 'n_b']);
    if (name === 'd16_n500') {
      // a path inside the store works as well as an id
      const rel = store.pathOf(a.body.id).slice(store.root.length + 1);
      const byPath = (await (await post(app, '/v1/fid', { a: rel, b: b.body.id })).json()) as any;
      assert.equal(byPath.fid, out.fid);
    }
  }
});

test('errors: unknown id, path outside the store, corrupt upload, dimensions that differ, bad body', async () => {
  const { app } = setup();
  const a = await upload(app, join(FID_FIXTURES, 'd16_n500_a.npz'));
  const c = await upload(app, join(FID_FIXTURES, 'd64_n2000_b.npz'));
  let res = await post(app, '/v1/fid', { a: a.body.id, b: 'f'.repeat(64) });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as any).error.param, 'b');
  res = await post(app, '/v1/fid', { a: '../../etc/passwd', b: a.body.id });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as any).error.message, /outside the artifact store/);
  res = await post(app, '/v1/fid', { a: a.body.id, b: c.body.id });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as any).error.message, /dimensions differ/);
  res = await post(app, '/v1/fid', { a: a.body.id });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as any).error.param, 'b');
  res = await app.request('/v1/statistics', {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: Uint8Array.from([80, 75, 3, 4, 0, 0]),
  });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as any).error.message, /uploaded statistics: not a zip archive/);
});

test('statistics computed from a stored folder of PNG images', async () => {
  // a transparent engine-agnostic extractor: features = the mean of each image row (8 features)
  const extractor: FeatureExtractor = {
    name: 'row-means',
    contract: { height: 8, width: 8, channels: 1, range: [0, 1], resize: 'none' },
    dim: 8,
    async run(input, shape) {
      const [n, , h, w] = shape;
      const out = new Float32Array(n * h);
      for (let i = 0; i < n; i++)
        for (let y = 0; y < h; y++) {
          let s = 0;
          for (let x = 0; x < w; x++) s += input[(i * h + y) * w + x];
          out[i * h + y] = s / w;
        }
      return out;
    },
  };
  const { app, store } = setup(async (spec) => {
    if (spec === 'row-means') return extractor;
    throw new UnavailableError(`unknown extractor '${spec}'`);
  });
  const dir = join(store.root, 'samples', 'run1');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 12; i++) {
    writeFileSync(
      join(dir, `${i}.png`),
      encodePng({
        width: 8,
        height: 8,
        channels: 1,
        data: Uint8Array.from({ length: 64 }, (_, k) => (k * 7 + i * 31) % 256),
      }),
    );
  }
  const res = await post(app, '/v1/statistics', { folder: 'samples/run1', extractor: 'row-means', batch_size: 5 });
  assert.equal(res.status, 201);
  const out = (await res.json()) as any;
  assert.equal(out.n, 12);
  assert.equal(out.d, 8);
  const m = await store.manifest(out.id);
  assert.equal(m?.kind, 'fid-stats');
  const self = (await (await post(app, '/v1/fid', { a: out.id, b: out.id })).json()) as any;
  assert.ok(Math.abs(self.fid) < 1e-9);
  assert.equal(self.n_a, 12);
  const empty = join(store.root, 'samples', 'empty');
  mkdirSync(empty);
  const bad = await post(app, '/v1/statistics', { folder: 'samples/empty', extractor: 'row-means' });
  assert.equal(bad.status, 400);
  const badMessage: string = ((await bad.json()) as any).error.message;
  assert.match(badMessage, /no \.png images/);
  // paths are reported relative to the store, never as the server's absolute paths
  assert.ok(badMessage.includes('samples/empty') && !badMessage.includes(store.root), badMessage);
  const noEx = await post(app, '/v1/statistics', { folder: 'samples/run1', extractor: 'nope' });
  assert.equal(noEx.status, 404);
  // more shards than images, or a shard count past any folder: a 400 naming shard
  for (const shard of ['0/13', '12/13', '0/99999999999999999999', '99999999999999999999/3']) {
    const r = await post(app, '/v1/statistics', { folder: 'samples/run1', extractor: 'row-means', shard });
    assert.equal(r.status, 400, shard);
    assert.equal(((await r.json()) as any).error.param, 'shard', shard);
  }
  assert.equal(
    (await post(app, '/v1/statistics', { folder: 'samples/run1', extractor: 'row-means', shard: '11/12' })).status,
    201,
  );
});

test('the extractor of POST /v1/statistics is a registered name, never a path on the server', async () => {
  const { app, store } = setup();
  const dir = join(store.root, 'samples', 'run2');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0.png'), encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784) }));
  const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'model.onnx');
  writeFileSync(outside, 'not a model');
  const answers = [];
  for (const extractor of [outside, '/no/such/file.onnx', '../../models/fmnist/model.onnx']) {
    const res = await post(app, '/v1/statistics', { folder: 'samples/run2', extractor });
    assert.equal(res.status, 400, extractor);
    const body = (await res.json()) as any;
    assert.equal(body.error.param, 'extractor');
    answers.push(body.error.message.replace(extractor.slice(0, 100), 'X'));
  }
  // an existing file and a missing one get the same answer: the route reveals nothing about the disk
  assert.equal(answers[0], answers[1]);
  assert.match(answers[0], /unknown extractor 'X' \(names: fmnist/);
});

test('POST /v1/statistics does not follow symbolic links in the store', async () => {
  const { app, store } = setup();
  const dir = join(store.root, 'samples', 'run3');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0.png'), encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784) }));
  symlinkSync('/etc/passwd', join(dir, '1.png'));
  symlinkSync(dir, join(store.root, 'samples', 'linked'));
  for (const folder of ['samples/run3', 'samples/linked']) {
    const res = await post(app, '/v1/statistics', { folder, extractor: 'fmnist' });
    assert.equal(res.status, 400, folder);
    assert.match(((await res.json()) as any).error.message, /symbolic link/);
  }
});
