// npm run pretrain -- --family flow|edm|ar [--seed N] [--steps N] [--batch N] [--lr X] [--out DIR]
// Pretrains a Fashion-MNIST generator and writes DIR (default models/fmnist-<family>): model.onnx, model.json,
// losses.json, samples.png. Reproducible for a given seed on a given machine.
import { parseArgs } from 'node:util';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { FMNIST_FAMILIES, type FmnistFamily } from '../shared/networks/fmnist-models.ts';
import { pretrain } from '../shared/train/pretrain.ts';

const { values } = parseArgs({
  options: { family: { type: 'string' }, seed: { type: 'string', default: '0' }, steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, out: { type: 'string' } },
});
const family = values.family as FmnistFamily;
if (!FMNIST_FAMILIES.includes(family)) {
  console.error(`--family must be one of ${FMNIST_FAMILIES.join(', ')}`);
  process.exit(2);
}
const int = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer; got '${v}'`);
    process.exit(2);
  }
  return n;
};
const tf = await loadTf();
const out = values.out ?? `models/fmnist-${family}`;
const files = await pretrain(tf, {
  family, seed: int('seed', values.seed)!, out, steps: int('steps', values.steps), batch: int('batch', values.batch), lr: values.lr ? Number(values.lr) : undefined,
  onProgress: (p) => process.stderr.write(`[${family}] step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.seconds.toFixed(0)} s\n`),
});
const t = files.manifest.training!;
console.log(JSON.stringify({ family, out, sha256: files.hash, steps: t.steps, seconds: t.seconds, flops: t.flops, bytes: files.bytes.length }));
