// npm run pretrain -- --family flow|edm|ar [--seed N] [--steps N] [--batch N] [--lr X] [--ema X] [--network mlp|unet] [--channels N] [--out DIR]
// Pretrains a Fashion-MNIST generator and writes DIR (default models/fmnist-<family>): model.onnx, model.json,
// losses.json, losses.svg, samples.png. Reproducible for a given seed on a given machine. The shipped flow and EDM
// models are the MLPs (the default); --network unet trains the convolutional U-Net with its own settings.
import { parseArgs } from 'node:util';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import {
  DENOISER_NETWORKS,
  FMNIST_FAMILIES,
  type DenoiserNetwork,
  type FmnistFamily,
} from '../shared/networks/fmnist-models.ts';
import { pretrain } from '../shared/train/pretrain.ts';

const { values } = parseArgs({
  options: {
    family: { type: 'string' },
    seed: { type: 'string', default: '0' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    ema: { type: 'string' },
    network: { type: 'string', default: 'mlp' },
    channels: { type: 'string' },
    out: { type: 'string' },
  },
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
const unit = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x >= 0 && x < 1)) {
    console.error(`--${name} must be a number in [0, 1); got '${v}'`);
    process.exit(2);
  }
  return x;
};
const network = values.network as DenoiserNetwork;
if (!DENOISER_NETWORKS.includes(network)) {
  console.error(`--network must be one of ${DENOISER_NETWORKS.join(', ')}`);
  process.exit(2);
}
const channels = int('channels', values.channels);
if (channels !== undefined && (channels < 8 || channels > 128 || channels % 8)) {
  console.error(`--channels must be a multiple of 8 in [8, 128]; got '${values.channels}'`);
  process.exit(2);
}
const tf = await loadTf();
const out = values.out ?? `models/fmnist-${family}`;
const files = await pretrain(tf, {
  family,
  seed: int('seed', values.seed)!,
  out,
  steps: int('steps', values.steps),
  batch: int('batch', values.batch),
  lr: values.lr ? Number(values.lr) : undefined,
  ema: unit('ema', values.ema),
  network,
  channels,
  onProgress: (p) =>
    process.stderr.write(
      `[${family}] step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.seconds.toFixed(0)} s\n`,
    ),
});
const t = files.manifest.training!;
console.log(
  JSON.stringify({
    family,
    out,
    sha256: files.hash,
    steps: t.steps,
    seconds: t.seconds,
    flops: t.flops,
    bytes: files.bytes.length,
  }),
);
