// Behaviour every family must have, checked on tiny networks of all three: training lowers the loss; sample i of
// seed s is byte-identical to sample 0 of seed s + i and does not depend on the batch; guidance scale 1 is the
// conditional prediction.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { encodeModel } from '../onnx/onnx-proto.ts';
import { Rng } from '../random/prng.ts';
import { BatchSampler } from '../train/image-dataset.ts';
import { trainLoop } from '../train/train-loop.ts';
import { FMNIST_FAMILIES } from '../networks/fmnist-models.ts';
import { familyFor } from './registry.ts';
import { ortNetCall } from './family-io.ts';
import { guidedCall } from '../samplers/guidance.ts';
import { fmnistSubset, randomized, tinyModel } from './tiny.test-util.ts';
import { fashionMnistSkip } from '../data/fashion-mnist-skip.test-util.ts';

const ort = new OrtEngine();
after(() => ort.close());

for (const name of FMNIST_FAMILIES) {
  test(`${name}: the loss on a fixed batch decreases over a few training steps`, {
    skip: fashionMnistSkip(),
  }, async () => {
    const tf = await loadTf();
    const { model, manifest } = tinyModel(name);
    const family = familyFor(name);
    const data = await fmnistSubset(256);
    const graph = new TfGraph(tf, model);
    try {
      const probe = new BatchSampler(data, new Rng(5)).next(128);
      const lossAt = () => {
        const l = family.loss(tf, graph, manifest, probe, new Rng(9));
        const v = l.dataSync()[0];
        l.dispose();
        return v;
      };
      const before = lossAt();
      await trainLoop(tf, graph, family, manifest, data, { steps: 40, batch: 64, lr: 3e-3, seed: 3 });
      const afterLoss = lossAt();
      assert.ok(Number.isFinite(before) && afterLoss < 0.9 * before, `${name}: loss ${before} → ${afterLoss}`);
    } finally {
      graph.dispose();
    }
  });

  test(`${name}: sample i of seed s equals sample 0 of seed s + i, whatever the batch`, async () => {
    const { model, manifest } = tinyModel(name);
    const session = await ort.load(encodeModel(randomized(model, 4)));
    const family = familyFor(name);
    const steps = name === 'ar' ? undefined : 3;
    try {
      const labels = [1, 7, 10, 3, 5];
      const dim = 784;
      const big = await family.sample(session, manifest, {
        n: 5,
        seed: 40,
        classLabels: labels,
        steps,
        guidanceScale: 2,
        topK: 0,
      });
      const four = await family.sample(session, manifest, {
        n: 4,
        seed: 40,
        classLabels: labels.slice(0, 4),
        steps,
        guidanceScale: 2,
      });
      assert.deepEqual(four.images, big.images.subarray(0, 4 * dim));
      for (const i of [0, 2, 4]) {
        const one = await family.sample(session, manifest, {
          n: 1,
          seed: 40 + i,
          classLabels: [labels[i]],
          steps,
          guidanceScale: 2,
        });
        assert.deepEqual(one.images, big.images.subarray(i * dim, (i + 1) * dim), `sample ${i}`);
      }
      // different seeds give different images
      assert.notDeepEqual(big.images.subarray(0, dim), big.images.subarray(dim, 2 * dim));
    } finally {
      await session.release();
    }
  });

  test(`${name}: guidance scale 1 in one batched call equals the conditional prediction`, async () => {
    const { model, manifest } = tinyModel(name);
    const session = await ort.load(encodeModel(randomized(model, 6)));
    try {
      const n = 3;
      const rng = new Rng(2);
      const x = Float32Array.from({ length: n * 784 }, () => rng.normal());
      const t = Float32Array.from({ length: n }, () => rng.uniform());
      const y = Int32Array.from([0, 4, 9]);
      const net = ortNetCall(session, manifest, name === 'ar' ? [784] : [1, 28, 28], { withT: name !== 'ar' });
      const cond = await net(x, t, y, n);
      const guided = await guidedCall(net, x, t, y, n, 1, 10, { alwaysBatch: true });
      const other = await guidedCall(net, x, t, y, n, 3, 10);
      let d1 = 0;
      let d3 = 0;
      for (let i = 0; i < cond.length; i++) {
        d1 = Math.max(d1, Math.abs(guided[i] - cond[i]));
        d3 = Math.max(d3, Math.abs(other[i] - cond[i]));
      }
      assert.ok(d1 < 1e-5, `scale 1 differs from the conditional prediction by ${d1}`);
      assert.ok(d3 > 1e-3, 'scale 3 should move away from the conditional prediction');
    } finally {
      await session.release();
    }
  });
}
