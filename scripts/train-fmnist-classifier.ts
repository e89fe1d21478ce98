// npm run train:classifier [-- --epochs N --seed S --batch-size B --lr LR --dropout P --out DIR]
// Trains the Fashion-MNIST classifier (shared/networks/fmnist-classifier.ts) on the 60k train split with the tfjs
// engine (Adam, warm-up then cosine learning rate, random ±2-pixel shifts and horizontal flips, dropout on the
// features), evaluates the exported ONNX on t10k with onnxruntime, and writes
//   DIR/fmnist/extractor.onnx, DIR/fmnist/contract.json, DIR/fmnist/training.json,
//   DIR/fid-refs/fmnist-train.npz, DIR/fid-refs/fmnist-test.npz
// (reference statistics through the ONNX extractor and the preprocessing contract, as `neon fid` runs them on folders).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import type * as tfc from '@tensorflow/tfjs-core';
import { intFlag, parseFlags } from '../cli/flags.ts';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { TfGraph } from '../shared/engine/tf/tf-graph.ts';
import { Adam } from '../shared/engine/tf/adam.ts';
import { encodeModel } from '../shared/onnx/onnx-proto.ts';
import { loadFashionMnist } from '../shared/data/fashion-mnist.ts';
import type { ImageSet } from '../shared/data/fashion-mnist.ts';
import { Rng } from '../shared/random/prng.ts';
import {
  buildFmnistClassifier,
  FMNIST_CLASSIFIER_CONTRACT,
  FMNIST_CLASSIFIER_SPEC,
  FMNIST_DROPOUT_MASK,
  FMNIST_INPUT,
  FMNIST_LOGITS,
} from '../shared/networks/fmnist-classifier.ts';
import { argmaxRows, loadFmnistClassifier, toClassifierInput } from '../shared/networks/fmnist-classify.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { createOnnxExtractor } from '../shared/features/onnx-extractor.ts';
import { preprocess } from '../shared/features/preprocess.ts';
import type { Image } from '../shared/image/png.ts';
import { FeatureStats } from '../shared/metrics/feature-stats.ts';
import { saveStats } from '../shared/metrics/stats-file.ts';
import { frechetDistance } from '../shared/metrics/frechet-distance.ts';

const flags = parseFlags(process.argv.slice(2), {
  string: ['epochs', 'seed', 'batch-size', 'lr', 'dropout', 'out', 'limit'],
});
const epochs = intFlag(flags, 'epochs', { min: 1 }) ?? 10;
const seed = intFlag(flags, 'seed', { min: 0 }) ?? 20260;
const batchSize = intFlag(flags, 'batch-size', { min: 1 }) ?? 128;
const peakLr = Number(flags.values.get('lr') ?? 2e-3);
const dropout = Number(flags.values.get('dropout') ?? 0.3);
const outDir = resolve(flags.values.get('out') ?? join(REPO_ROOT, 'models'));
/** train on the first N images only (smoke runs) */
const limit = intFlag(flags, 'limit', { min: 1 });
const log = (s: string) => process.stderr.write(`${s}\n`);

const PIXELS = 784;
const SHIFT = 2;
const F = FMNIST_CLASSIFIER_SPEC.features;

/** One augmented image into `out` (contract range): a random shift by up to ±SHIFT pixels (zero fill) and a 50% mirror. */
function augment(src: Uint8Array, out: Float32Array, o: number, rng: Rng): void {
  const dx = rng.int(2 * SHIFT + 1) - SHIFT;
  const dy = rng.int(2 * SHIFT + 1) - SHIFT;
  const flip = rng.uniform() < 0.5;
  const [lo, hi] = FMNIST_CLASSIFIER_CONTRACT.range;
  for (let y = 0; y < 28; y++) {
    const sy = y - dy;
    for (let x = 0; x < 28; x++) {
      const sx0 = x - dx;
      const sx = flip ? 27 - sx0 : sx0;
      const v = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? src[sy * 28 + sx] : 0;
      out[o + y * 28 + x] = lo + (hi - lo) * Math.fround(v / 255);
    }
  }
}

/** Learning rate at step t: linear warm-up, then cosine decay to zero. */
function learningRate(t: number, total: number, warmup: number): number {
  if (t < warmup) return (peakLr * (t + 1)) / warmup;
  return 0.5 * peakLr * (1 + Math.cos((Math.PI * (t - warmup)) / Math.max(1, total - warmup)));
}

function shuffled(n: number, rng: Rng): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Accuracy of the tfjs graph (dropout off) on a whole split. */
function tfAccuracy(tf: typeof tfc, graph: TfGraph, set: ImageSet): number {
  let right = 0;
  for (let s = 0; s < set.n; s += 1000) {
    const k = Math.min(1000, set.n - s);
    const x = toClassifierInput(set.images.subarray(s * PIXELS, (s + k) * PIXELS), k);
    const logits = tf.tidy(() => {
      const feeds = { [FMNIST_INPUT]: tf.tensor(x, [k, 1, 28, 28]), [FMNIST_DROPOUT_MASK]: tf.ones([k, F]) };
      const out = graph.run(feeds, [FMNIST_LOGITS]);
      return out[FMNIST_LOGITS].dataSync() as Float32Array;
    });
    const pred = argmaxRows(logits, k, 10);
    for (let i = 0; i < k; i++) if (pred[i] === set.labels[s + i]) right++;
  }
  return right / set.n;
}

async function main(): Promise<void> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const [fullTrain, test] = await Promise.all([loadFashionMnist('train'), loadFashionMnist('test')]);
  const train: ImageSet = limit ? { ...fullTrain, n: Math.min(limit, fullTrain.n) } : fullTrain;
  log(
    `Fashion-MNIST: ${train.n} train, ${test.n} test images; seed ${seed}, ${epochs} epochs of batch ${batchSize}, lr ${peakLr}, dropout ${dropout}`,
  );

  const tf = await loadTf();
  const graph = new TfGraph(tf, buildFmnistClassifier({ seed, train: true }));
  const opt = new Adam(tf, { lr: peakLr });
  const rng = new Rng(seed + 1);
  const stepsPerEpoch = Math.floor(train.n / batchSize);
  const total = epochs * stepsPerEpoch;
  const warmup = Math.min(300, Math.floor(total / 10));
  const x = new Float32Array(batchSize * PIXELS);
  const y = new Int32Array(batchSize);
  const mask = new Float32Array(batchSize * F);
  const history: { epoch: number; loss: number; trainAcc: number; testAcc: number; seconds: number }[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffled(train.n, rng);
    let lossSum = 0,
      right = 0,
      seen = 0;
    for (let b = 0; b < stepsPerEpoch; b++) {
      for (let i = 0; i < batchSize; i++) {
        const idx = order[b * batchSize + i];
        augment(train.images.subarray(idx * PIXELS, (idx + 1) * PIXELS), x, i * PIXELS, rng);
        y[i] = train.labels[idx];
      }
      for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < dropout ? 0 : 1 / (1 - dropout);
      opt.lr = learningRate(step, total, warmup);
      const xt = tf.tensor(x, [batchSize, 1, 28, 28]);
      const mt = tf.tensor(mask, [batchSize, F]);
      const yt = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
      let logitsOut: tfc.Tensor | undefined;
      // cross-entropy: mean over the batch of logsumexp(z) − z_y
      const { value, grads } = graph.valueAndGrads(() =>
        tf.tidy(() => {
          const z = graph.run({ [FMNIST_INPUT]: xt, [FMNIST_DROPOUT_MASK]: mt }, [FMNIST_LOGITS])[FMNIST_LOGITS];
          logitsOut = tf.keep(tf.argMax(z, 1));
          return tf.mean(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(yt, z), 1))) as tfc.Scalar;
        }),
      );
      opt.apply(graph.params, grads);
      lossSum += value.dataSync()[0] * batchSize;
      const pred = logitsOut!.dataSync();
      for (let i = 0; i < batchSize; i++) if (pred[i] === y[i]) right++;
      seen += batchSize;
      tf.dispose([value, xt, mt, yt, logitsOut!, ...Object.values(grads)]);
      step++;
      if (step % 100 === 0)
        log(
          `epoch ${epoch} step ${step}/${total}: loss ${(lossSum / seen).toFixed(4)}, train acc ${(right / seen).toFixed(4)}, lr ${opt.lr.toExponential(2)}, ${elapsed().toFixed(0)} s`,
        );
    }
    const testAcc = tfAccuracy(tf, graph, test);
    history.push({ epoch, loss: lossSum / seen, trainAcc: right / seen, testAcc, seconds: Math.round(elapsed()) });
    log(
      `epoch ${epoch} done: loss ${(lossSum / seen).toFixed(4)}, train acc (augmented) ${(right / seen).toFixed(4)}, t10k acc ${testAcc.toFixed(4)}, ${elapsed().toFixed(0)} s`,
    );
  }
  const trainSeconds = elapsed();

  // the shipped graph: the same weights, no dropout input
  const fmnistDir = join(outDir, 'fmnist');
  const refsDir = join(outDir, 'fid-refs');
  mkdirSync(fmnistDir, { recursive: true });
  mkdirSync(refsDir, { recursive: true });
  const shipped = buildFmnistClassifier({ seed, weights: graph.readWeights() });
  const modelPath = join(fmnistDir, 'extractor.onnx');
  writeFileSync(modelPath, encodeModel(shipped));
  writeFileSync(join(fmnistDir, 'contract.json'), `${JSON.stringify(FMNIST_CLASSIFIER_CONTRACT, null, 2)}\n`);

  // t10k accuracy of the exported model on onnxruntime (the number the docs give)
  const clf = await loadFmnistClassifier({ path: modelPath });
  const pred = await clf.classify(test.images, test.n);
  await clf.close();
  let right = 0;
  for (let i = 0; i < test.n; i++) if (pred[i] === test.labels[i]) right++;
  const accuracy = right / test.n;
  log(`exported model (onnxruntime): t10k accuracy ${accuracy.toFixed(4)}`);

  // reference statistics through the registry's extractor with the preprocessing contract
  const extractor = await createOnnxExtractor(modelPath, FMNIST_CLASSIFIER_CONTRACT);
  const statsOf = async (set: ImageSet, name: string) => {
    const stats = new FeatureStats(F);
    for (let s = 0; s < set.n; s += 500) {
      const k = Math.min(500, set.n - s);
      const images: Image[] = Array.from({ length: k }, (_, i) => ({
        width: 28,
        height: 28,
        channels: 1,
        data: set.images.subarray((s + i) * PIXELS, (s + i + 1) * PIXELS),
      }));
      const { input, shape } = preprocess(images, extractor.contract);
      stats.add(await extractor.run(input, shape), k);
    }
    stats.finish();
    const path = join(refsDir, `fmnist-${name}.npz`);
    await saveStats(path, stats);
    log(`wrote ${path} (n = ${stats.n}, d = ${stats.d})`);
    return stats;
  };
  const trainStats = await statsOf(train, 'train');
  const testStats = await statsOf(test, 'test');
  await extractor.close?.();
  const fid = frechetDistance(trainStats.gaussian(), testStats.gaussian()).fid;
  log(`FID(fmnist:train, fmnist:test) = ${fid}`);

  const record = {
    model: 'models/fmnist/extractor.onnx',
    architecture: 'shared/networks/fmnist-classifier.ts',
    spec: FMNIST_CLASSIFIER_SPEC,
    contract: FMNIST_CLASSIFIER_CONTRACT,
    outputs: { features: [null, F], logits: [null, 10] },
    t10k_accuracy: accuracy,
    fid_train_test: fid,
    seed,
    epochs,
    batch_size: batchSize,
    steps: total,
    lr: peakLr,
    warmup_steps: warmup,
    dropout,
    augmentation: `random shifts of up to ±${SHIFT} pixels (zero fill), horizontal flips with probability 0.5`,
    optimizer: 'Adam (β1 0.9, β2 0.999, ε 1e-8), linear warm-up then cosine decay to 0',
    engine: `tfjs ${process.env.NEON_TF_BACKEND ?? 'wasm'} backend, native matMul`,
    train_seconds: Math.round(trainSeconds),
    total_seconds: Math.round(elapsed()),
    machine: `${cpus()[0]?.model ?? 'cpu'} (${availableParallelism()} cores, shared)`,
    train_images: train.n,
    command: `npm run train:classifier -- --epochs ${epochs} --seed ${seed} --batch-size ${batchSize} --lr ${peakLr} --dropout ${dropout}`,
    history,
  };
  writeFileSync(join(fmnistDir, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(
    JSON.stringify({ t10k_accuracy: accuracy, fid_train_test: fid, train_seconds: record.train_seconds, steps: total }),
  );
}

await main();
