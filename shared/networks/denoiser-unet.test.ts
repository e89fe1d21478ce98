// The U-Net denoiser: output shape, onnxruntime and the tfjs interpreter agree on its forward pass, every weight
// receives a gradient (after perturbing the zero-initialised layers), and a few Adam steps on a fixed batch lower
// the loss; the Fashion-MNIST builder selects it on request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam } from '../engine/tf/adam.ts';
import { compareEngines } from '../engine/parity.ts';
import { f32, i64 } from '../engine/tensor.ts';
import { Rng } from '../random/prng.ts';
import { encodeModel } from '../onnx/onnx-proto.ts';
import { randomized } from '../families/tiny.test-util.ts';
import { buildDenoiserUnet } from './denoiser-unet.ts';
import { baseManifest, buildNetwork } from './fmnist-models.ts';
import { parseManifest } from '../models/manifest.ts';

const ort = new OrtEngine();
after(() => ort.close());

const spec = {
  shape: [1, 8, 8] as [number, number, number],
  numClasses: 3,
  channels: 8,
  groups: 4,
  heads: 2,
  embed: 16,
  maxFreq: 50,
  seed: 3,
};

test('U-Net: shape, and onnxruntime agrees with the tfjs interpreter', async () => {
  const tf = await loadTf();
  const model = randomized(buildDenoiserUnet('unet', spec), 5);
  const rng = new Rng(7);
  const n = 4;
  const feeds = {
    x: f32(
      Float32Array.from({ length: n * 64 }, () => rng.normal()),
      [n, 1, 8, 8],
    ),
    t: f32(Float32Array.from([0.1, 0.4, 0.7, 0.95]), [n, 1]),
    y: i64([0, 1, 2, 3], [n]),
  };
  const session = await ort.load(encodeModel(model));
  try {
    const out = await session.run(feeds);
    const o = Object.values(out)[0];
    assert.deepEqual(o.dims, [n, 1, 8, 8]);
  } finally {
    await session.release();
  }
  for (const r of await compareEngines(tf, ort, model, feeds))
    assert.ok(r.maxRel < 1e-4, `${r.output}: max rel diff ${r.maxRel}`);
});

test('U-Net: every weight gets a gradient, and Adam lowers the loss on a fixed batch', async () => {
  const tf = await loadTf();
  const graph = new TfGraph(tf, randomized(buildDenoiserUnet('unet', spec), 6, 0.05));
  const opt = new Adam(tf, { lr: 1e-2 });
  const rng = new Rng(9);
  const n = 6;
  const x = tf.tensor(
    Float32Array.from({ length: n * 64 }, () => rng.normal()),
    [n, 1, 8, 8],
  );
  const target = tf.tensor(
    Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i / 5)),
    [n, 1, 8, 8],
  );
  const t = tf.tensor(
    Float32Array.from({ length: n }, () => rng.uniform()),
    [n, 1],
  );
  const y = tf.tensor(Int32Array.from([0, 1, 2, 3, 0, 1]), [n], 'int32');
  const loss = () =>
    tf.mean(tf.square(tf.sub(Object.values(graph.run({ x, t, y }))[0], target))) as ReturnType<typeof tf.scalar>;
  try {
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const { value, grads } = graph.valueAndGrads(loss);
      losses.push(value.dataSync()[0]);
      if (step === 0) {
        for (const name of graph.params.keys()) {
          const gr = grads[name];
          assert.ok(gr, `no gradient for ${name}`);
          const norm = Math.sqrt((gr.dataSync() as Float32Array).reduce((a, v) => a + v * v, 0));
          assert.ok(norm > 0 && Number.isFinite(norm), `${name}: gradient norm ${norm}`);
        }
      }
      opt.apply(graph.params, grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.ok(losses[4] < 0.8 * losses[0], `loss ${losses[0]} → ${losses[4]}`);
  } finally {
    tf.dispose([x, target, t, y]);
    opt.dispose();
    graph.dispose();
  }
});

test('U-Net: the Fashion-MNIST builder and manifest select it with network "unet"; the MLP stays the default', () => {
  const unet = buildNetwork('flow', 1, { network: 'unet', channels: 8 });
  assert.ok(unet.graph.node.some((n) => n.opType === 'Conv'));
  const m = parseManifest(baseManifest('flow', unet, 'unet'));
  assert.deepEqual(Object.keys(m.io.inputs).sort(), ['t', 'x', 'y']);
  assert.equal(m.io.outputs.out, unet.graph.output[0].name);
  assert.equal(m.sampler.steps, 8);
  assert.match(m.description ?? '', /U-Net/);
  const mlp = buildNetwork('flow', 1, { tiny: true, network: 'unet' });
  assert.ok(!mlp.graph.node.some((n) => n.opType === 'Conv'), 'the tiny test network is the MLP');
  assert.equal(parseManifest(baseManifest('edm', buildNetwork('edm', 1, { tiny: true }))).sampler.steps, 18);
});
