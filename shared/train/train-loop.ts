// Training an image family's network on a labelled image set: pretraining, `npm run self-train` and the
// self-training step of `neon run` all come here. It drives the one loop (`trainSteps`) with the family's loss,
// Adam under the learning-rate schedule, an optional EMA of the weights, the minibatch policy, and hooks for
// progress, per-step losses, snapshots and abort; and it accounts compute (FLOP ≈ 6 · parameters · examples seen
// (Kaplan et al. 2020), plus wall time).
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam } from '../engine/tf/adam.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import { Rng } from '../random/prng.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import { BatchSampler, UniformDraws } from './image-dataset.ts';
import { Ema } from './ema.ts';
import { lrAt, type LrSchedule } from './lr-schedule.ts';
import { trainSteps } from './train-steps.ts';

export interface TrainConfig extends LrSchedule {
  steps: number;
  batch: number;
  seed: number;
  /** EMA decay β (0 or undefined: none); snapshots and the result then carry the EMA weights. */
  ema?: number;
  /** Snapshot every k steps (0 or undefined: none). */
  snapshotEvery?: number;
  /** Snapshot after exactly these steps (replaces snapshotEvery). */
  snapshotAt?: readonly number[];
  /**
   * How minibatches are drawn: 'epochs' (the default; shuffled epochs, each example once per epoch, from a
   * stream of their own) or 'draws' (each example drawn uniformly with replacement, from the loss's stream).
   */
  batches?: 'epochs' | 'draws';
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
  /** The mean loss of each logging window. */
  onProgress?: (p: TrainProgress) => void;
  /** Every step's loss (awaited before the next step). */
  onStep?: (step: number, loss: number) => Promise<void> | void;
  onSnapshot?: (s: Snapshot) => Promise<void> | void;
  /** Stops training before the next step (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
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

export async function trainLoop(
  tf: TF,
  graph: TfGraph,
  family: GeneratorFamily,
  manifest: Manifest,
  data: LabeledImages,
  cfg: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const rng = new Rng(cfg.seed);
  const batches =
    cfg.batches === 'draws'
      ? new UniformDraws(data, rng)
      : new BatchSampler(data, new Rng((cfg.seed ^ 0x5bd1e995) >>> 0));
  const opt = new Adam(tf, { lr: cfg.lr });
  const ema = cfg.ema ? new Ema(tf, graph.params, cfg.ema) : undefined;
  const parameters = parameterTotal(graph);
  const logEvery = cfg.logEvery ?? 100;
  const snapshotAt = cfg.snapshotAt ? new Set(cfg.snapshotAt) : undefined;
  const isSnapshot = (step: number) =>
    snapshotAt ? snapshotAt.has(step) : !!cfg.snapshotEvery && step % cfg.snapshotEvery === 0;
  const started = performance.now();
  const losses: { step: number; loss: number }[] = [];
  let windowSum = 0;
  let windowN = 0;
  let examples = 0;
  const compute = (step: number): TrainCompute => ({
    steps: step,
    examples,
    parameters,
    flops: 6 * parameters * examples,
    seconds: (performance.now() - started) / 1000,
  });
  const current = () => (ema ? ema.weights() : graph.readWeights());
  try {
    const steps = trainSteps(tf, graph, {
      steps: cfg.steps,
      optimizer: opt,
      lrAt: (step) => lrAt(step, cfg.steps, cfg),
      nextBatch: () => batches.next(cfg.batch),
      loss: (batch) => family.loss(tf, graph, manifest, batch, rng),
      ema,
      signal: hooks.signal,
    });
    for (const s of steps) {
      examples = s.examples;
      windowSum += s.loss;
      windowN++;
      await hooks.onStep?.(s.step, s.loss);
      if (s.step % logEvery === 0 || s.step === cfg.steps) {
        const loss = windowSum / windowN;
        losses.push({ step: s.step, loss });
        windowSum = 0;
        windowN = 0;
        hooks.onProgress?.({
          step: s.step,
          steps: cfg.steps,
          loss,
          lr: s.lr,
          seconds: (performance.now() - started) / 1000,
        });
      }
      if (isSnapshot(s.step) && hooks.onSnapshot)
        await hooks.onSnapshot({ step: s.step, weights: current(), ...compute(s.step) });
    }
    return { weights: current(), losses, ...compute(cfg.steps) };
  } finally {
    opt.dispose();
    ema?.dispose();
  }
}
