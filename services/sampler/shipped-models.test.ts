// The shipped models (models/<name>/) through the generation API with their own families: native size, and
// image i of seed s byte-identical to image 0 of seed s + i across batch sizes. Skipped where none is shipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../../shared/engine/ort/ort-engine.ts';
import { builtinFamilies } from '../../shared/families/registry.ts';
import { decodePng } from '../../shared/image/png.ts';
import { ModelProvider } from '../../shared/serving/model-provider.ts';
import { FolderModelSource } from '../../shared/serving/model-source.ts';
import { SHIPPED_MODELS_DIR } from '../../shared/serving/shipped-models.ts';
import { FASHION_MNIST_CLASSES } from '../../shared/data/fashion-mnist.ts';
import { createSamplerApp } from './app.ts';

const source = new FolderModelSource(SHIPPED_MODELS_DIR);
const shipped = await source.list();
let engine: OrtEngine;
let app: ReturnType<typeof createSamplerApp>;

before(() => {
  engine = new OrtEngine({ workers: 1, threadsPerSession: 1 });
  app = createSamplerApp({ models: new ModelProvider({ engine, sources: [source], families: builtinFamilies }) });
});
after(() => engine.close());

for (const { id } of shipped) {
  test(`${id}: image i of seed s is image 0 of seed s + i, whatever n`, async () => {
    const meta = await (await app.request(`/v2/models/${id}`)).json();
    const info = await (await app.request(`/v1/models/${id}`)).json();
    assert.equal(info.num_classes, meta.parameters.num_classes);
    if (id.startsWith('fmnist-'))
      assert.deepEqual(info.class_names, [...FASHION_MNIST_CLASSES], 'Fashion-MNIST class names');
    const [, H, W] = meta.parameters.data_shape;
    const ar = meta.parameters.family === 'ar';
    const settings = ar ? {} : { num_inference_steps: 2 };
    const gen = async (seed: number, n: number) => {
      const res = await app.request('/v1/images/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: id, n, seed, size: `${W}x${H}`, ...settings }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: { b64_json: string; seed: number }[] }).data;
    };
    const three = await gen(20, 3);
    const one = await gen(22, 1);
    assert.equal(one[0].b64_json, three[2].b64_json);
    assert.deepEqual(
      three.map((d) => d.seed),
      [20, 21, 22],
    );
    const img = decodePng(Buffer.from(three[0].b64_json, 'base64'));
    assert.deepEqual([img.width, img.height], [W, H]);
    assert.notEqual(three[0].b64_json, three[1].b64_json);
  });
}

test('the shipped models folder is listed (possibly empty)', () => {
  assert.ok(Array.isArray(shipped));
});
