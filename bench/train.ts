// npm run bench:train — the pretraining step of each Fashion-MNIST family at its shipped size and batch, side by
// side in one run: training steps/s and effective GFLOP/s (6 · parameters · batch per step, the count the
// manifests record), and the sampler's images/s at default settings on a 100-image batch.
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { TfGraph } from '../shared/engine/tf/tf-graph.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { encodeModel } from '../shared/onnx/onnx-proto.ts';
import { parseManifest } from '../shared/models/manifest.ts';
import { baseManifest, buildNetwork, FMNIST_FAMILIES } from '../shared/networks/fmnist-models.ts';
import { PRETRAIN } from '../shared/train/pretrain.ts';
import { familyFor } from '../shared/families/registry.ts';
import { loadFashionMnist } from '../shared/data/fashion-mnist.ts';
import { fromImageSet } from '../shared/data/labeled-images.ts';
import { parameterTotal, trainLoop } from '../shared/train/train-loop.ts';

const STEPS = Number(process.env.BENCH_STEPS ?? 30);
const tf = await loadTf();
const data = fromImageSet(await loadFashionMnist('train'), 'fashion-mnist/train');
const ort = new OrtEngine();
const rows: string[] = [];
for (const name of FMNIST_FAMILIES) {
  const model = buildNetwork(name, 1);
  const manifest = parseManifest(baseManifest(name, model));
  const family = familyFor(name);
  const graph = new TfGraph(tf, model);
  const cfg = { ...PRETRAIN[name], seed: 1, logEvery: 1000 };
  await trainLoop(tf, graph, family, manifest, data, { ...cfg, steps: 3 });
  const r = await trainLoop(tf, graph, family, manifest, data, { ...cfg, steps: STEPS });
  const params = parameterTotal(graph);
  graph.dispose();
  const session = await ort.load(encodeModel(model));
  const t0 = performance.now();
  const n = 100;
  await family.sample(session, manifest, { n, seed: 0, classLabels: Array.from({ length: n }, (_, i) => i % 10) });
  const sampleSeconds = (performance.now() - t0) / 1000;
  await session.release();
  const stepsPerS = STEPS / r.seconds;
  rows.push(
    `${name.padEnd(5)} params ${(params / 1e6).toFixed(2)}M  batch ${cfg.batch}  ${stepsPerS.toFixed(2)} steps/s  ${((6 * params * cfg.batch * stepsPerS) / 1e9).toFixed(1)} GFLOP/s  sampling ${(n / sampleSeconds).toFixed(1)} images/s (${family.evaluationsPerSample(manifest, { n, seed: 0, classLabels: [0] })} evaluations/image)`,
  );
  console.log(rows[rows.length - 1]);
}
await ort.close();
