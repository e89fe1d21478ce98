// The one optimisation loop of the project: each iteration sets the learning rate, takes a minibatch, evaluates
// the loss and its gradients on the tfjs engine, applies the optimizer, updates the EMA, and stops on a
// non-finite loss or an aborted signal. It is a generator that yields after every step, so one body serves both
// drivers: `trainLoop` (image families: pretraining, `npm run self-train`, `neon run`), which awaits its hooks
// (progress, snapshots) between steps, and `ToyNetwork.fit` (the 2-d toys), which runs it synchronously.
import type * as tfc from '@tensorflow/tfjs-core';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { Adam } from '../engine/tf/adam.ts';
import type { Ema } from './ema.ts';

export interface StepSpec<B extends { n: number }> {
  steps: number;
  optimizer: Adam;
  /** The learning rate at a 0-based step (omitted: the optimizer's own, unchanged). */
  lrAt?: (step: number) => number;
  /** The next minibatch (`n`: the examples it holds, for compute accounting). */
  nextBatch: () => B;
  /** The training loss of a minibatch, built inside the gradient tape. */
  loss: (batch: B) => tfc.Scalar;
  /** Updated after every optimizer step. */
  ema?: Ema;
  /** Checked before every step. */
  signal?: AbortSignal;
}

export interface StepDone {
  /** Steps done so far (1-based). */
  step: number;
  loss: number;
  lr: number;
  /** Examples seen so far. */
  examples: number;
}

export function* trainSteps<B extends { n: number }>(
  tf: TF,
  graph: TfGraph,
  spec: StepSpec<B>,
): Generator<StepDone, void, void> {
  const opt = spec.optimizer;
  let examples = 0;
  for (let step = 0; step < spec.steps; step++) {
    spec.signal?.throwIfAborted();
    if (spec.lrAt) opt.lr = spec.lrAt(step);
    const batch = spec.nextBatch();
    const { value, grads } = graph.valueAndGrads(() => spec.loss(batch));
    const loss = value.dataSync()[0];
    value.dispose();
    if (!Number.isFinite(loss)) {
      // stop before the update, so the weights stay those of the last finite step
      tf.dispose(grads);
      throw new Error(`training diverged at step ${step + 1} (loss ${loss})`);
    }
    opt.apply(graph.params, grads);
    tf.dispose(grads);
    spec.ema?.update(graph.params);
    examples += batch.n;
    yield { step: step + 1, loss, lr: opt.lr, examples };
  }
}
