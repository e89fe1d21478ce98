// npm run check-classes -- --model DIR [--n 1000] [--seed 0] [--guidance S] [--steps N] [--temperature T] [--top-k K]
// Draws n samples conditioned on each class c at the model's default sampler settings (unless given) and reports
// the share the shipped Fashion-MNIST classifier labels c, per class; exits 1 if any class is under 80%.
// npm run check-classes -- --folder FOLDER: the same for a folder written by `npm run sample-folder` (its PNGs
// and labels.json), so one 10k sample set serves both the FID and this check.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePng } from '../shared/image/png.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { readModelDir } from '../shared/models/model-files.ts';
import { classAccuracy } from '../shared/families/class-accuracy.ts';
import { loadFmnistClassifier } from '../shared/networks/fmnist-classify.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    folder: { type: 'string' },
    n: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '0' },
    guidance: { type: 'string' },
    steps: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    threshold: { type: 'string', default: '0.8' },
  },
});
const threshold = Number(values.threshold);
if (values.folder) {
  const { labels, sample_set } = JSON.parse(await readFile(join(values.folder, 'labels.json'), 'utf8')) as {
    labels: number[];
    sample_set: string;
  };
  const images = new Uint8Array(labels.length * 784);
  for (let i = 0; i < labels.length; i++)
    images.set(decodePng(await readFile(join(values.folder, `${String(i).padStart(6, '0')}.png`))).data, i * 784);
  const classifier = await loadFmnistClassifier();
  const pred = await classifier.classify(images, labels.length);
  await classifier.close();
  const hits = new Array<number>(10).fill(0);
  const counts = new Array<number>(10).fill(0);
  labels.forEach((c, i) => {
    counts[c]++;
    if (pred[i] === c) hits[c]++;
  });
  const perClass = hits.map((h, c) => h / counts[c]);
  const min = Math.min(...perClass);
  console.log(
    JSON.stringify({
      sample_set,
      perClass,
      min,
      mean: perClass.reduce((a, b) => a + b, 0) / 10,
      counts,
      pass: min >= threshold,
    }),
  );
  process.exit(min >= threshold ? 0 : 1);
}
if (!values.model) {
  console.error('--model DIR (or --folder FOLDER) is required');
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const files = await readModelDir(values.model);
const ort = new OrtEngine();
const classifier = await loadFmnistClassifier({ engine: ort });
const session = await ort.load(files.bytes);
const r = await classAccuracy(session, files.manifest, (images, n) => classifier.classify(images, n), {
  nPerClass: Number(values.n),
  seed: Number(values.seed),
  guidanceScale: num(values.guidance),
  steps: num(values.steps),
  temperature: num(values.temperature),
  topK: num(values['top-k']),
  onClass: (c, a) => process.stderr.write(`class ${c}: ${(100 * a).toFixed(1)}%\n`),
});
await session.release();
await classifier.close();
await ort.close();
console.log(
  JSON.stringify({
    model: files.manifest.name,
    hash: files.hash,
    sampler: files.manifest.sampler,
    overrides: {
      guidance: values.guidance,
      steps: values.steps,
      temperature: values.temperature,
      top_k: values['top-k'],
    },
    ...r,
    pass: r.min >= threshold,
  }),
);
process.exit(r.min >= threshold ? 0 : 1);
