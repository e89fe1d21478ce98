// npm run sample-folder -- --model DIR --out FOLDER [--n 10000] [--seed N] [--guidance S] [--steps N]
//   [--temperature T] [--top-k K]
// Writes n samples of the model at its default sampler settings (unless given) as PNGs FOLDER/000000.png …,
// labels cycling over the classes (sample i: class i mod K, seed + i), for `neon fid FOLDER fmnist:train`.
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { readModelDir } from '../shared/models/model-files.ts';
import { drawSampleSet } from '../shared/samples/draw-sample-set.ts';
import { encodePng } from '../shared/image/png.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    out: { type: 'string' },
    n: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '0' },
    guidance: { type: 'string' },
    steps: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
  },
});
if (!values.model || !values.out) {
  console.error('--model DIR and --out FOLDER are required');
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const base = await readModelDir(values.model);
const ort = new OrtEngine();
const started = performance.now();
const set = await drawSampleSet(ort, base, {
  n: Number(values.n),
  seed: Number(values.seed),
  guidanceScale: num(values.guidance),
  steps: num(values.steps),
  temperature: num(values.temperature),
  topK: num(values['top-k']),
  onProgress: (d, t) => process.stderr.write(`sampled ${d}/${t}\n`),
});
await ort.close();
const [C, H, W] = set.shape;
await mkdir(values.out, { recursive: true });
for (let i = 0; i < set.n; i++) {
  const data = set.images.slice(i * C * H * W, (i + 1) * C * H * W);
  await writeFile(
    join(values.out, `${String(i).padStart(6, '0')}.png`),
    encodePng({ width: W, height: H, channels: 1, data }),
  );
}
await writeFile(
  join(values.out, 'labels.json'),
  JSON.stringify({ sample_set: set.id, labels: Array.from(set.labels) }) + '\n',
);
console.log(
  JSON.stringify({ out: values.out, n: set.n, sample_set: set.id, seconds: (performance.now() - started) / 1000 }),
);
