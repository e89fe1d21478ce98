import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam } from '../engine/tf/adam.ts';
import { ddpmPointNetwork } from '../families/ddpm.ts';
import { Ema } from './ema.ts';
import { trainSteps } from './train-steps.ts';

async function setup() {
  const tf = await loadTf();
  const graph = new TfGraph(tf, ddpmPointNetwork(1));
  const [name, p] = [...graph.params.entries()][0];
  return { tf, graph, name, p, opt: new Adam(tf, { lr: 1e-2 }) };
}

test('the loop: schedule, optimizer, EMA, per-step losses and examples', async () => {
  const { tf, graph, name, p, opt } = await setup();
  const ema = new Ema(tf, graph.params, 0.5);
  try {
    const before = graph.readWeights().get(name)!.slice();
    const done = [
      ...trainSteps(tf, graph, {
        steps: 4,
        optimizer: opt,
        lrAt: (s) => 0.01 * (s + 1),
        nextBatch: () => ({ n: 3 }),
        loss: () => tf.sum(tf.square(p)),
        ema,
      }),
    ];
    assert.deepEqual(
      done.map((d) => [d.step, d.examples]),
      [
        [1, 3],
        [2, 6],
        [3, 9],
        [4, 12],
      ],
    );
    assert.deepEqual(
      done.map((d) => d.lr),
      [0.01, 0.02, 0.03, 0.04].map((x) => x),
    );
    assert.ok(done[3].loss < done[0].loss, `loss ${done[0].loss} → ${done[3].loss}`);
    const after = graph.readWeights().get(name)!;
    const averaged = ema.weights().get(name)!;
    // the EMA lies between the start and the current weights
    const i = after.findIndex((x, k) => x !== before[k]);
    assert.ok(i >= 0);
    assert.ok(Math.min(before[i], after[i]) <= averaged[i] && averaged[i] <= Math.max(before[i], after[i]));
  } finally {
    ema.dispose();
    opt.dispose();
    graph.dispose();
  }
});

test('the loop stops on a non-finite loss and on an aborted signal', async () => {
  const { tf, graph, p, opt } = await setup();
  try {
    const before = graph.readWeights();
    assert.throws(
      () => [
        ...trainSteps(tf, graph, {
          steps: 3,
          optimizer: opt,
          nextBatch: () => ({ n: 1 }),
          loss: () => tf.mul(tf.sum(p), NaN) as never,
        }),
      ],
      /diverged at step 1 \(loss NaN\)/,
    );
    // the update of the diverged step is not applied
    for (const [k, w] of graph.readWeights()) assert.deepEqual(w, before.get(k));
    const stop = new AbortController();
    const seen: number[] = [];
    assert.throws(() => {
      for (const d of trainSteps(tf, graph, {
        steps: 5,
        optimizer: opt,
        nextBatch: () => ({ n: 1 }),
        loss: () => tf.sum(tf.square(p)),
        signal: stop.signal,
      })) {
        seen.push(d.step);
        if (d.step === 2) stop.abort(new Error('stopped'));
      }
    }, /stopped/);
    assert.deepEqual(seen, [1, 2]);
  } finally {
    opt.dispose();
    graph.dispose();
  }
});
