// A family's own training loss minimised with Adam over minibatches of a sample set, on the tfjs engine: the
// self-training step of Neon (θs: θr fine-tuned on its own samples S), also used to pretrain small base models.
// Minibatches are drawn with the run's seed, so the same inputs give the same weights, step for step.
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam } from '../engine/tf/adam.ts';
import { Rng } from '../random/prng.ts';
import type { GeneratorFamily, TrainingBatch } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';

export interface TrainData {
  /** n samples, uint8, n × (elements per sample). */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

export interface TrainOptions {
  steps: number;
  lr: number;
  batch: number;
  seed: number;
  /** Called after these steps, with the weights in the graph (e.g. to write a snapshot). */
  snapshotAt?: ReadonlySet<number>;
  onSnapshot?: (step: number) => Promise<void>;
  onStep?: (step: number, loss: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export async function trainOnData(tf: TF, graph: TfGraph, family: GeneratorFamily, manifest: Manifest, data: TrainData, o: TrainOptions): Promise<void> {
  const per = data.images.length / data.n;
  const batch = Math.min(o.batch, data.n);
  const rng = new Rng(o.seed >>> 0);
  const opt = new Adam(tf, { lr: o.lr });
  const images = new Uint8Array(batch * per);
  const labels = new Int32Array(batch);
  try {
    for (let step = 1; step <= o.steps; step++) {
      o.signal?.throwIfAborted();
      for (let i = 0; i < batch; i++) {
        const r = rng.int(data.n);
        images.set(data.images.subarray(r * per, (r + 1) * per), i * per);
        labels[i] = data.labels[r];
      }
      const b: TrainingBatch = { images, labels, n: batch };
      const { value, grads } = graph.valueAndGrads(() => family.loss(tf, graph, manifest, b, rng));
      opt.apply(graph.params, grads);
      tf.dispose(grads);
      const loss = value.dataSync()[0];
      value.dispose();
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss})`);
      await o.onStep?.(step, loss);
      if (o.snapshotAt?.has(step)) await o.onSnapshot?.(step);
    }
  } finally {
    opt.dispose();
  }
}
