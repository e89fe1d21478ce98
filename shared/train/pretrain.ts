// Pretraining a shipped Fashion-MNIST generator from scratch: build the family's network from the seed, run the
// training loop on the 60k training images, write model.onnx + model.json (with its training compute) and a
// 10×10 sample grid (row c: class c; sample (row, col) is seed's sample 10·row + col).
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { TF } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { loadFashionMnist } from '../data/fashion-mnist.ts';
import { familyFor } from '../families/registry.ts';
import { baseManifest, buildNetwork, type DenoiserNetwork, type FmnistFamily } from '../networks/fmnist-models.ts';
import { parseManifest, type Manifest } from '../models/manifest.ts';
import { encodePng } from '../image/png.ts';
import { linePlotSvg } from '../plot/line-plot-svg.ts';
import { sampleGrid } from '../image/sample-grid.ts';
import { fromImageSet } from '../data/labeled-images.ts';
import { trainLoop, type TrainConfig, type TrainProgress } from './train-loop.ts';
import { saveModelVersion, withWeights } from '../models/with-weights.ts';
import type { ModelFiles } from '../models/model-files.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';

/** Pretraining settings per family (sized for ≲ 15 minutes on two cores). */
export const PRETRAIN: Record<FmnistFamily, Omit<TrainConfig, 'seed'>> = {
  flow: { steps: 6000, batch: 128, lr: 1e-3, warmup: 200, kind: 'cosine', minFrac: 0.05, ema: 0.999, logEvery: 100 },
  edm: { steps: 6000, batch: 128, lr: 1e-3, warmup: 200, kind: 'cosine', minFrac: 0.05, ema: 0.999, logEvery: 100 },
  ar: { steps: 3500, batch: 128, lr: 1e-3, warmup: 200, kind: 'cosine', minFrac: 0.05, ema: 0.999, logEvery: 100 },
};

/**
 * The U-Net's settings (flow, EDM; `--network unet`), sized for about 20 minutes of a loaded two-core machine,
 * where a step takes 3.5–5 s: a few tens of thousands of images, with a short EMA to match (docs/RESULTS.md).
 */
export const PRETRAIN_UNET: Omit<TrainConfig, 'seed'> = {
  steps: 300,
  batch: 64,
  lr: 2e-3,
  warmup: 20,
  kind: 'cosine',
  minFrac: 0.05,
  ema: 0.99,
  logEvery: 10,
};

export interface PretrainOptions {
  family: FmnistFamily;
  seed: number;
  out: string;
  steps?: number;
  batch?: number;
  lr?: number;
  /** EMA decay (0: none). */
  ema?: number;
  /** The continuous families' network (default 'mlp'). */
  network?: DenoiserNetwork;
  /** The U-Net's channels at full resolution (flow, EDM). */
  channels?: number;
  /** Write the sample grid (default true). */
  grid?: boolean;
  onProgress?: (p: TrainProgress) => void;
}

/** Seeds of the run's streams: the initialisation and the training draws never share numbers. */
export function pretrainSeeds(seed: number): { init: number; train: number } {
  return { init: (seed * 7919 + 1) >>> 0, train: (seed * 7919 + 2) >>> 0 };
}

export async function pretrain(tf: TF, o: PretrainOptions): Promise<ModelFiles> {
  const seeds = pretrainSeeds(o.seed);
  const unet = o.network === 'unet' && o.family !== 'ar';
  const model = buildNetwork(o.family, seeds.init, { network: o.network, channels: o.channels });
  const manifest = parseManifest(baseManifest(o.family, model, unet ? 'unet' : 'mlp'));
  const data = fromImageSet(await loadFashionMnist('train'), 'fashion-mnist/train');
  const cfg: TrainConfig = { ...(unet ? PRETRAIN_UNET : PRETRAIN[o.family]), seed: seeds.train };
  if (o.steps !== undefined) cfg.steps = o.steps;
  if (o.batch !== undefined) cfg.batch = o.batch;
  if (o.lr !== undefined) cfg.lr = o.lr;
  if (o.ema !== undefined) cfg.ema = o.ema;
  const graph = new TfGraph(tf, model);
  try {
    const r = await trainLoop(tf, graph, familyFor(o.family), manifest, data, cfg, { onProgress: o.onProgress });
    const trained: Manifest = {
      ...manifest,
      training: {
        steps: r.steps,
        batch: cfg.batch,
        lr: cfg.lr,
        seed: o.seed,
        flops: r.flops,
        seconds: Math.round(r.seconds * 10) / 10,
        dataset: data.id,
      },
      lineage: { ...manifest.lineage, run: `pretrain ${o.family} seed ${o.seed}` },
    };
    const files = await saveModelVersion(o.out, withWeights(model, r.weights), trained);
    await writeFile(
      join(o.out, 'losses.json'),
      JSON.stringify({ ema: cfg.ema ?? 0, parameters: r.parameters, losses: r.losses }) + '\n',
    );
    await writeFile(join(o.out, 'losses.svg'), lossCurveSvg(trained.name, r.losses));
    if (o.grid !== false) await writeSampleGrid(files, join(o.out, 'samples.png'));
    return files;
  } finally {
    graph.dispose();
  }
}

/** The training curve: the mean loss of each logging window against the step. */
export function lossCurveSvg(name: string, losses: readonly { step: number; loss: number }[]): string {
  return linePlotSvg([{ label: 'training loss (window mean)', points: losses.map((l) => [l.step, l.loss]) }], {
    title: `${name}: pretraining loss`,
    xLabel: 'step',
    yLabel: 'loss',
    logY: true,
  });
}

/** The 10×10 class grid of a model at its default sampler settings, seed 0. */
export async function writeSampleGrid(files: ModelFiles, path: string, seed = 0): Promise<void> {
  const ort = new OrtEngine();
  let session: OrtModel | undefined;
  try {
    session = await ort.load(files.bytes);
    const k = files.manifest.conditioning.num_classes;
    const classLabels = Array.from({ length: k * 10 }, (_, i) => Math.floor(i / 10));
    const r = await familyFor(files.manifest.family).sample(session, files.manifest, {
      n: classLabels.length,
      seed,
      classLabels,
    });
    const [, h, w] = files.manifest.data.shape;
    await writeFile(path, encodePng(sampleGrid(r.images, h, w, k, 10)));
  } finally {
    await session?.release();
    await ort.close();
  }
}
