// The training loop shared by pretraining and self-training: minibatches of a labelled image set, the family's
// loss on the tfjs engine, Adam, an optional EMA of the weights, snapshots every k steps, progress, and
// compute accounting (FLOP ≈ 6 · parameters · examples seen (Kaplan et al. 2020), plus wall time).
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam } from '../engine/tf/adam.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import { Rng } from '../random/prng.ts';
import { BatchSampler, type LabeledImages } from './image-dataset.ts';
import { Ema } from './ema.ts';
import { lrAt, type LrSchedule } from './lr-schedule.ts';

export interface TrainConfig extends LrSchedule {
  steps: number;
  batch: number;
  seed: number;
  /** EMA decay β (0 or undefined: none); snapshots and the result then carry the EMA weights. */
  ema?: number;
  /** Snapshot every k steps (0 or undefined: none). */
  snapshotEvery?: number;
  /** Progress every this many steps (default 100). */
  logEvery?: number;
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  seconds: number;
}

export interface TrainCompute {
  steps: number;
  examples: number;
  parameters: number;
  flops: number;
  seconds: number;
}

export interface Snapshot extends TrainCompute {
  step: number;
  weights: Map<string, Float32Array>;
}

export interface TrainHooks {
  onProgress?: (p: TrainProgress) => void;
  onSnapshot?: (s: Snapshot) => Promise<void> | void;
}

export interface TrainResult extends TrainCompute {
  weights: Map<string, Float32Array>;
  /** Mean loss over each logging window. */
  losses: { step: number; loss: number }[];
}

export function parameterTotal(graph: TfGraph): number {
  let n = 0;
  for (const v of graph.params.values()) n += v.size;
  return n;
}

export async function trainLoop(tf: TF, graph: TfGraph, family: GeneratorFamily, manifest: Manifest, data: LabeledImages, cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const rng = new Rng(cfg.seed);
  const sampler = new BatchSampler(data, new Rng((cfg.seed ^ 0x5bd1e995) >>> 0));
  const opt = new Adam(tf, { lr: cfg.lr });
  const ema = cfg.ema ? new Ema(tf, graph.params, cfg.ema) : undefined;
  const parameters = parameterTotal(graph);
  const logEvery = cfg.logEvery ?? 100;
  const started = performance.now();
  const losses: { step: number; loss: number }[] = [];
  let windowSum = 0;
  let windowN = 0;
  let examples = 0;
  const compute = (step: number): TrainCompute => ({ steps: step, examples, parameters, flops: 6 * parameters * examples, seconds: (performance.now() - started) / 1000 });
  const current = () => (ema ? ema.weights() : graph.readWeights());
  try {
    for (let step = 0; step < cfg.steps; step++) {
      opt.lr = lrAt(step, cfg.steps, cfg);
      const batch = sampler.next(cfg.batch);
      const { value, grads } = graph.valueAndGrads(() => family.loss(tf, graph, manifest, batch, rng));
      opt.apply(graph.params, grads);
      tf.dispose(grads);
      ema?.update(graph.params);
      examples += batch.n;
      windowSum += value.dataSync()[0];
      windowN++;
      value.dispose();
      const done = step + 1;
      if (done % logEvery === 0 || done === cfg.steps) {
        const loss = windowSum / windowN;
        losses.push({ step: done, loss });
        windowSum = 0;
        windowN = 0;
        hooks.onProgress?.({ step: done, steps: cfg.steps, loss, lr: opt.lr, seconds: (performance.now() - started) / 1000 });
      }
      if (cfg.snapshotEvery && done % cfg.snapshotEvery === 0 && hooks.onSnapshot) {
        await hooks.onSnapshot({ step: done, weights: current(), ...compute(done) });
      }
    }
    return { weights: current(), losses, ...compute(cfg.steps) };
  } finally {
    opt.dispose();
    ema?.dispose();
  }
}
