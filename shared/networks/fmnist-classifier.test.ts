import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildFmnistClassifier,
  FMNIST_CLASSIFIER_CONTRACT,
  FMNIST_CLASSIFIER_SPEC,
  FMNIST_FEATURES,
  FMNIST_INPUT,
  FMNIST_LOGITS,
  patchIndices,
} from './fmnist-classifier.ts';
import { FMNIST_CLASSIFIER_PATH, loadFmnistClassifier, toClassifierInput } from './fmnist-classify.ts';
import { decodeModel, encodeModel } from '../onnx/onnx-proto.ts';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { f32 } from '../engine/tensor.ts';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { loadFashionMnist } from '../data/fashion-mnist.ts';
import { REPO_ROOT, resolveExtractor } from '../features/registry.ts';
import { preprocess } from '../features/preprocess.ts';
import { loadStats } from '../metrics/stats-file.ts';
import { Rng } from '../random/prng.ts';
import { fashionMnistSkip } from '../data/fashion-mnist-skip.test-util.ts';

const engine = new OrtEngine();
after(() => engine.close());

test('the 5×5 patch gather takes the pixels of each window (im2col)', () => {
  const idx = patchIndices();
  assert.equal(idx.length, 24 * 24 * 25);
  // position (y, x) = (3, 7), offset (dy, dx) = (4, 1) → pixel (7, 8)
  assert.equal(idx[(3 * 24 + 7) * 25 + 4 * 5 + 1], 7 * 28 + 8);
  assert.equal(Math.max(...idx), 27 * 28 + 27);
});

test('the architecture gives the same features and logits on the tfjs and onnxruntime engines', async () => {
  const model = buildFmnistClassifier({ seed: 5 });
  const rng = new Rng(9);
  const n = 3;
  const x = Float32Array.from({ length: n * 784 }, () => 2 * rng.uniform() - 1);
  const ortModel = await engine.load(encodeModel(model));
  const o = await ortModel.run({ [FMNIST_INPUT]: f32(x, [n, 1, 28, 28]) });
  const tf = await loadTf();
  const graph = new TfGraph(tf, decodeModel(encodeModel(model)), { trainable: false });
  const t = tf.tidy(() => {
    const out = graph.run({ [FMNIST_INPUT]: tf.tensor(x, [n, 1, 28, 28]) });
    return { features: out[FMNIST_FEATURES].dataSync(), logits: out[FMNIST_LOGITS].dataSync() };
  });
  graph.dispose();
  assert.deepEqual(o[FMNIST_FEATURES].dims, [n, FMNIST_CLASSIFIER_SPEC.features]);
  assert.deepEqual(o[FMNIST_LOGITS].dims, [n, 10]);
  for (const k of [FMNIST_FEATURES, FMNIST_LOGITS] as const) {
    const a = o[k].data as Float32Array;
    const scale = Math.max(...Array.from(a, Math.abs));
    a.forEach((v, i) =>
      assert.ok(Math.abs(v - t[k][i]) <= 1e-4 * scale + 1e-5, `${k}[${i}]: ort ${v}, tfjs ${t[k][i]}`),
    );
  }
  await ortModel.release();
});

test('the shipped classifier recognises ≥ 88% of the first 1,000 t10k images', {
  skip: fashionMnistSkip(),
}, async () => {
  const test10k = await loadFashionMnist('test');
  const n = 1000;
  const clf = await loadFmnistClassifier({ engine });
  const pred = await clf.classify(test10k.images.subarray(0, n * 784), n);
  await clf.close();
  let right = 0;
  for (let i = 0; i < n; i++) if (pred[i] === test10k.labels[i]) right++;
  assert.ok(right / n >= 0.88, `accuracy ${right / n}`);
  // and the recorded full-t10k accuracy clears the bar
  const record = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'fmnist', 'training.json'), 'utf8')) as {
    t10k_accuracy: number;
  };
  assert.ok(record.t10k_accuracy >= 0.9, `recorded accuracy ${record.t10k_accuracy}`);
});

test('the shipped extractor: contract, graph dims and reference statistics agree', async () => {
  const contract = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'fmnist', 'contract.json'), 'utf8'));
  assert.deepEqual(contract, FMNIST_CLASSIFIER_CONTRACT);
  const model = decodeModel(readFileSync(FMNIST_CLASSIFIER_PATH));
  const dims = (v: { shape?: { value?: number; param?: string }[] }) => v.shape!.map((d) => d.value ?? d.param);
  assert.deepEqual(dims(model.graph.input[0]), ['N', contract.channels, contract.height, contract.width]);
  assert.equal(model.graph.output[0].name, FMNIST_FEATURES); // the registry's extractor reads the first output
  const d = FMNIST_CLASSIFIER_SPEC.features;
  assert.deepEqual(dims(model.graph.output[0]), ['N', d]);

  // the registry's 'fmnist' extractor on contract-preprocessed images: features of dimension d, as the stats
  const ex = await resolveExtractor('fmnist');
  const images = [0, 1].map((k) => ({
    width: 28,
    height: 28,
    channels: 1 as const,
    data: Uint8Array.from({ length: 784 }, (_, i) => (i * (k + 3)) % 256),
  }));
  const { input, shape } = preprocess(images, ex.contract);
  const feats = await ex.run(input, shape);
  await ex.close?.();
  assert.equal(ex.dim, d);
  assert.equal(feats.length, 2 * d);
  // preprocessing by the contract and the classifier helper give the same input
  const helperInput = toClassifierInput(Uint8Array.from([...images[0].data, ...images[1].data]), 2);
  assert.deepEqual(Array.from(helperInput), Array.from(input));

  for (const [split, n] of [
    ['train', 60000],
    ['test', 10000],
  ] as const) {
    const s = await loadStats(join(REPO_ROOT, 'models', 'fid-refs', `fmnist-${split}.npz`));
    assert.equal(s.d, d);
    assert.equal(s.n, n);
    assert.ok(s.sums, `fmnist-${split}.npz carries n, sum and sum_outer`);
    // mu and sigma follow from the sufficient statistics (ddof = 1)
    const { mu, sigma } = s.sums!.gaussian();
    mu.forEach((v, i) => assert.ok(Math.abs(v - s.mu[i]) <= 1e-12 * (1 + Math.abs(v))));
    for (const i of [0, 17, d * d - 1]) assert.ok(Math.abs(sigma[i] - s.sigma[i]) <= 1e-12 * (1 + Math.abs(sigma[i])));
  }
});
