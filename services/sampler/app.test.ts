import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtEngine } from '../../shared/engine/ort/ort-engine.ts';
import { familyResolver } from '../../shared/families/registry.ts';
import { tinyFlowFamily, tinyFlowModel, TINY_CLASSES } from '../../shared/families/test-fixtures/tiny-flow.ts';
import { decodePng } from '../../shared/image/png.ts';
import { ModelProvider } from '../../shared/serving/model-provider.ts';
import { MemoryModelSource } from '../../shared/serving/model-source.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { createSamplerApp } from './app.ts';

let engine: OrtEngine;
let dir: string;
let app: ReturnType<typeof createSamplerApp>;
let provider: ModelProvider;
const source = new MemoryModelSource();

before(async () => {
  engine = new OrtEngine({ workers: 1, threadsPerSession: 1 });
  dir = await mkdtemp(join(tmpdir(), 'neon-sampler-'));
  const m = tinyFlowModel('tiny-flow');
  source.add(m.onnx, m.manifest);
  provider = new ModelProvider({ engine, sources: [source], families: familyResolver({ flow: tinyFlowFamily }) });
  app = createSamplerApp({
    models: provider,
    store: new ArtifactStore(join(dir, 'artifacts')),
    publicUrl: 'https://neon.example.org/api',
  });
});

after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

async function generate(body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await app.request('/v1/images/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function pixels(b64: string): Uint8Array {
  return decodePng(Buffer.from(b64, 'base64')).data;
}

test('a generation answers OpenAI-shaped PNGs of the native size with their seeds and classes', async () => {
  const { status, json } = await generate({
    model: 'tiny-flow',
    prompt: 'ignored',
    n: 3,
    seed: 10,
    class_labels: [0, 1, 2],
    size: '8x8',
  });
  assert.equal(status, 200);
  assert.equal(typeof json.created, 'number');
  assert.equal(json.data.length, 3);
  json.data.forEach((d: any, i: number) => {
    const img = decodePng(Buffer.from(d.b64_json, 'base64'));
    assert.deepEqual([img.width, img.height, img.channels], [8, 8, 1]);
    assert.equal(d.seed, 10 + i);
    assert.equal(d.class_label, i);
  });
  // the images are not all the same (the sampler ran per-sample noise)
  assert.notDeepEqual(pixels(json.data[0].b64_json), pixels(json.data[1].b64_json));
});

test('image i of seed s is byte-identical to image 0 of seed s + i, and the same for every n', async () => {
  const big = await generate({ model: 'tiny-flow', n: 7, seed: 100, class_labels: 2 });
  const mid = await generate({ model: 'tiny-flow', n: 3, seed: 102, class_labels: 2 });
  for (let i = 0; i < 7; i++) {
    const one = await generate({ model: 'tiny-flow', n: 1, seed: 100 + i, class_labels: 2 });
    assert.equal(one.json.data[0].b64_json, big.json.data[i].b64_json, `image ${i}`);
  }
  for (let i = 0; i < 3; i++) assert.equal(mid.json.data[i].b64_json, big.json.data[2 + i].b64_json);
  // without class_labels, the class of seed σ is σ mod num_classes, so the identity holds too
  const a = await generate({ model: 'tiny-flow', n: 5, seed: 40 });
  const b = await generate({ model: 'tiny-flow', n: 1, seed: 43 });
  assert.equal(a.json.data[3].class_label, 43 % TINY_CLASSES);
  assert.equal(a.json.data[3].b64_json, b.json.data[0].b64_json);
  // settings change the image
  const g = await generate({ model: 'tiny-flow', n: 1, seed: 43, guidance_scale: 3 });
  const k = await generate({ model: 'tiny-flow', n: 1, seed: 43, num_inference_steps: 2 });
  assert.notEqual(g.json.data[0].b64_json, b.json.data[0].b64_json);
  assert.notEqual(k.json.data[0].b64_json, b.json.data[0].b64_json);
});

test('each bad field is a 400 naming its param', async () => {
  const base = { model: 'tiny-flow' };
  const cases: [Record<string, unknown>, string][] = [
    [{ ...base, n: 0 }, 'n'],
    [{ ...base, n: 65 }, 'n'],
    [{ ...base, n: 1.5 }, 'n'],
    [{ ...base, n: '2' }, 'n'],
    [{ ...base, num_inference_steps: 0 }, 'num_inference_steps'],
    [{ ...base, num_inference_steps: 1001 }, 'num_inference_steps'],
    [{ ...base, seed: -1 }, 'seed'],
    [{ ...base, seed: 2 ** 31 }, 'seed'],
    [{ ...base, guidance_scale: -0.5 }, 'guidance_scale'],
    [{ ...base, response_format: 'jpeg' }, 'response_format'],
    [{ ...base, size: '1024x1024' }, 'size'],
    [{ ...base, class_labels: [TINY_CLASSES] }, 'class_labels.0'],
    [{ ...base, class_labels: TINY_CLASSES + 3 }, 'class_labels'],
    [{ ...base, n: 3, class_labels: [0, 1] }, 'class_labels'],
    [{ ...base, class_labels: [-1] }, 'class_labels.0'],
    [{ ...base, temperature: 0.9 }, 'temperature'],
    [{ ...base, top_k: 5 }, 'top_k'],
    [{ ...base, guidance: 2 }, ''],
    [{ n: 1 }, 'model'],
  ];
  for (const [body, param] of cases) {
    const { status, json } = await generate(body);
    assert.equal(status, 400, JSON.stringify(body));
    assert.equal(json.error.type, 'invalid_request_error');
    if (param) assert.equal(json.error.param, param, JSON.stringify(body));
    else assert.match(json.error.message, /guidance/);
    assert.equal(typeof json.error.message, 'string');
  }
  const res = await app.request('/v1/images/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"model":',
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, 'invalid_json');
});

test('an unknown model is a 404 naming model, on every route', async () => {
  const { status, json } = await generate({ model: 'no-such-model' });
  assert.equal(status, 404);
  assert.deepEqual([json.error.param, json.error.code], ['model', 'model_not_found']);
  assert.equal((await generate({ model: 'tiny-flow@neon' })).status, 404);
  assert.equal((await generate({ model: 'bad name!' })).status, 404);
  const meta = await app.request('/v2/models/no-such-model');
  assert.equal(meta.status, 404);
  assert.equal((await meta.json()).error.code, 'model_not_found');
});

test('GET /v1/models lists the models in OpenAI list shape', async () => {
  const res = await app.request('/v1/models');
  assert.equal(res.status, 200);
  const json = await res.json();
  assert.equal(json.object, 'list');
  assert.deepEqual(
    json.data.map((m: any) => [m.id, m.object, m.owned_by]),
    [['tiny-flow', 'model', 'neon']],
  );
  assert.equal(typeof json.data[0].created, 'number');
});

test('Open Inference Protocol v2: model metadata from the graph', async () => {
  const res = await app.request('/v2/models/tiny-flow');
  assert.equal(res.status, 200);
  const m = await res.json();
  assert.equal(m.name, 'tiny-flow');
  assert.equal(m.platform, 'onnx');
  assert.deepEqual(m.versions, ['base']);
  assert.deepEqual(m.inputs, [
    { name: 'x', datatype: 'FP32', shape: [-1, 1, 8, 8] },
    { name: 't', datatype: 'FP32', shape: [-1, 1] },
    { name: 'class_labels', datatype: 'INT64', shape: [-1] },
  ]);
  assert.equal(m.outputs.length, 1);
  assert.deepEqual([m.outputs[0].datatype, m.outputs[0].shape], ['FP32', [-1, 1, 8, 8]]);
  assert.equal((await app.request('/v2/models/tiny-flow/versions/base')).status, 200);
  assert.equal((await app.request('/v2/models/tiny-flow/versions/v9')).status, 404);
  assert.deepEqual(await (await app.request('/v2/models/tiny-flow/ready')).json(), { name: 'tiny-flow', ready: true });
});

test('response_format url stores the PNG and serves it, under the configured public URL (not the Host header)', async () => {
  const res0 = await app.request('/v1/images/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: 'evil.example.com' },
    body: JSON.stringify({ model: 'tiny-flow', n: 2, seed: 7, response_format: 'url' }),
  });
  assert.equal(res0.status, 200);
  const json = await res0.json();
  const b64 = await generate({ model: 'tiny-flow', n: 2, seed: 7 });
  for (let i = 0; i < 2; i++) {
    assert.ok(json.data[i].url.startsWith('https://neon.example.org/api/v1/images/files/'), json.data[i].url);
    const res = await app.request(new URL(json.data[i].url).pathname.slice('/api'.length));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(Buffer.from(await res.arrayBuffer()).toString('base64'), b64.json.data[i].b64_json);
  }
  assert.equal((await app.request(`/v1/images/files/${'0'.repeat(64)}.png`)).status, 404);
});

test('a model is loaded once and reused; refresh serves a replaced model at once', async () => {
  const before = provider.loadedCount;
  await generate({ model: 'tiny-flow', n: 1, seed: 1 });
  await generate({ model: 'tiny-flow', n: 1, seed: 1 });
  assert.equal(provider.loadedCount, before);
  const old = await generate({ model: 'tiny-flow', n: 1, seed: 5 });
  const other = tinyFlowModel('tiny-flow', 99);
  source.add(other.onnx, other.manifest);
  const res = await app.request('/v1/models/tiny-flow/refresh', { method: 'POST' });
  assert.equal(res.status, 200);
  const now = await generate({ model: 'tiny-flow', n: 1, seed: 5 });
  assert.notEqual(now.json.data[0].b64_json, old.json.data[0].b64_json);
  assert.equal(provider.loadedCount, before + 1);
  assert.equal((await app.request('/v1/models/nope/refresh', { method: 'POST' })).status, 404);
});

test('beyond the queue a request is answered 429 in OpenAI shape', async () => {
  const busy = createSamplerApp({ models: provider, limits: { maxActive: 1, maxQueue: 0 } });
  const post = () =>
    busy.request('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-flow', n: 64, num_inference_steps: 200 }),
    });
  const [a, b] = await Promise.all([post(), post()]);
  assert.deepEqual([a.status, b.status].sort(), [200, 429]);
  const refused = a.status === 429 ? a : b;
  assert.equal(refused.headers.get('retry-after'), '1');
  const json = await refused.json();
  assert.deepEqual([json.error.type, json.error.code], ['rate_limit_error', 'queue_full']);
});

test('metadata reads load nothing, and unknown references do not grow the cache without bound', async () => {
  const cold = new MemoryModelSource();
  const m = tinyFlowModel('cold-flow');
  cold.add(m.onnx, m.manifest);
  const lazy = new ModelProvider({
    engine,
    sources: [cold],
    families: familyResolver({ flow: tinyFlowFamily }),
    maxResolutions: 50,
  });
  const meta = createSamplerApp({ models: lazy });
  for (const path of ['/v2/models/cold-flow', '/v2/models/cold-flow/versions/base', '/v1/models/cold-flow']) {
    assert.equal((await meta.request(path)).status, 200, path);
  }
  assert.equal(lazy.loadedCount, 0, 'a GET loads no model');
  for (let i = 0; i < 500; i++) assert.equal((await meta.request(`/v1/models/unknown-${i}`)).status, 404);
  assert.ok(lazy.resolutionCount <= 50, `${lazy.resolutionCount} resolutions cached`);
  // a known model still resolves after the unknown ones pushed it out
  assert.equal((await meta.request('/v2/models/cold-flow')).status, 200);
});
