// The fixture is a real generator: its flow-matching loss trains on the tfjs engine, and its sampler's per-sample
// seeds make sample i independent of the batch it is drawn in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../onnx/onnx-proto.ts';
import { Rng } from '../../random/prng.ts';
import { OrtEngine } from '../../engine/ort/ort-engine.ts';
import { tinyFlowFamily, tinyFlowModel, TINY_CLASSES } from './tiny-flow.ts';

test('tiny flow: the loss falls under Adam on a fixed batch', async () => {
  const { loadTf } = await import('../../engine/tf/tf-backend.ts');
  const { TfGraph } = await import('../../engine/tf/tf-graph.ts');
  const { Adam } = await import('../../engine/tf/adam.ts');
  const tf = await loadTf();
  const { onnx, manifest } = tinyFlowModel();
  const graph = new TfGraph(tf, decodeModel(onnx));
  const opt = new Adam(tf, { lr: 3e-3 });
  const data = new Rng(1);
  // two classes of flat images: dark and bright
  const n = 32;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const images = Uint8Array.from({ length: n * 64 }, (_, k) => (labels[Math.floor(k / 64)] ? 220 : 30) + data.int(10));
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    const rng = new Rng(1000 + (step % 4)); // the same four noise draws, so the loss is comparable over steps
    const { value, grads } = graph.valueAndGrads(() =>
      tinyFlowFamily.loss(tf, graph, manifest, { images, labels, n }, rng),
    );
    opt.apply(graph.params, grads);
    tf.dispose(grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
  }
  const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
  const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
  assert.ok(last < 0.8 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
});

test('tiny flow: sample i is the same in any batch; guidance and steps count evaluations', async () => {
  const engine = new OrtEngine({ workers: 1, threadsPerSession: 1 });
  try {
    const { onnx, manifest } = tinyFlowModel();
    const s = await engine.load(onnx);
    const labels = Array.from({ length: 9 }, (_, i) => i % TINY_CLASSES);
    const all = await tinyFlowFamily.sample(s, manifest, { n: 9, seed: 4, first: 0, classLabels: labels });
    const part = await tinyFlowFamily.sample(s, manifest, { n: 4, seed: 4, first: 5, classLabels: labels.slice(5) });
    assert.deepEqual(part.images, all.images.subarray(5 * 64));
    assert.deepEqual([...part.labels], labels.slice(5));
    assert.equal(tinyFlowFamily.evaluationsPerSample(manifest, { n: 1, seed: 0, steps: 5, guidanceScale: 2 }), 10);
    assert.equal(tinyFlowFamily.evaluationsPerSample(manifest, { n: 1, seed: 0, steps: 5, guidanceScale: 1 }), 5);
  } finally {
    await engine.close();
  }
});
