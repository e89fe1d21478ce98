// npm run self-train -- --model DIR [--samples N] [--seed N] [--steps N] [--batch N] [--lr X] [--snapshot-every K]
//   [--ema B] [--guidance S] [--temperature T] [--out DIR]
// Draws a sample set of N images from the model at DIR (its default sampler settings unless given), self-trains
// the model on it with its family's loss, and writes every snapshot as a model version under --out
// (default DIR/self-train/step-K), with lineage (base hash, step, sample set, compute fraction).
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { readModelDir } from '../shared/models/model-files.ts';
import { drawSampleSet } from '../shared/samples/draw-sample-set.ts';
import { selfTrain } from '../shared/train/self-train.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    samples: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    steps: { type: 'string', default: '500' },
    batch: { type: 'string', default: '128' },
    lr: { type: 'string', default: '1e-4' },
    'snapshot-every': { type: 'string', default: '100' },
    ema: { type: 'string', default: '0' },
    guidance: { type: 'string' },
    temperature: { type: 'string' },
    out: { type: 'string' },
  },
});
if (!values.model) {
  console.error('--model DIR is required');
  process.exit(2);
}
const num = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) {
    console.error(`--${name} must be a non-negative number; got '${v}'`);
    process.exit(2);
  }
  return x;
};
const tf = await loadTf();
const base = await readModelDir(values.model);
const ort = new OrtEngine();
const seed = num('seed', values.seed)!;
const samples = await drawSampleSet(ort, base, {
  n: num('samples', values.samples)!,
  seed: 1_000_000 + seed,
  guidanceScale: num('guidance', values.guidance),
  temperature: num('temperature', values.temperature),
  onProgress: (d, t) => process.stderr.write(`sampling ${d}/${t}\n`),
});
await ort.close();
const versions = await selfTrain(tf, {
  base,
  samples,
  out: values.out ?? join(values.model, 'self-train'),
  config: {
    steps: num('steps', values.steps)!,
    batch: num('batch', values.batch)!,
    lr: num('lr', values.lr)!,
    seed,
    snapshotEvery: num('snapshot-every', values['snapshot-every']),
    ema: num('ema', values.ema) || undefined,
  },
  onProgress: (p) =>
    process.stderr.write(`self-train step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} ${p.seconds.toFixed(0)} s\n`),
});
for (const v of versions) console.log(JSON.stringify({ dir: v.dir, hash: v.hash, lineage: v.manifest.lineage }));
