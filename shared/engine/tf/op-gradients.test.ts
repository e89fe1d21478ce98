// The interpreter's gradients, operator by operator, against central finite differences: every parity case
// marked `grad` runs with its float inputs as parameters and the loss Σ out·R for a fixed random R.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import { loadTf } from './tf-backend.ts';
import { TfGraph } from './tf-graph.ts';
import { mulberry32 } from '../../random/prng.ts';
import { OP_CASES, buildOpCase, caseLabel } from './op-cases.fixture.ts';

test('operator gradients match finite differences', async () => {
  const tf = await loadTf();
  const rand = mulberry32(99);
  const failures: string[] = [];
  for (const c of OP_CASES.filter((k) => k.grad)) {
    const { model, feeds: hostFeeds } = buildOpCase(c, rand, true);
    const feeds = Object.fromEntries(
      Object.entries(hostFeeds).map(([k, v]) => [
        k,
        tf.tensor(Int32Array.from(v.data as ArrayLike<number | bigint>, Number), v.dims, 'int32'),
      ]),
    );
    const graph = new TfGraph(tf, model);
    try {
      const weights = [...graph.readWeights()].map(([n, v]) => [n, new Float32Array(v)] as const);
      const shapes = tf.tidy(() => Object.values(graph.run(feeds)).map((t) => t.shape));
      const probes = shapes.map((s) =>
        tf.keep(
          tf.tensor(
            Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1),
            s,
          ),
        ),
      );
      const loss = () =>
        tf.tidy(
          () =>
            Object.values(graph.run(feeds))
              .map((t, i) => tf.sum(tf.mul(t, probes[i])))
              .reduce((a, b) => tf.add(a, b)) as tfc.Scalar,
        );
      const { value, grads } = graph.valueAndGrads(loss);
      value.dispose();
      for (const [name, values] of weights) {
        const g = grads[name]?.dataSync() ?? new Float32Array(values.length);
        const picks = new Set([
          0,
          Math.floor(values.length / 2),
          values.length - 1,
          Math.floor(rand() * values.length),
        ]);
        for (const i of picks) {
          const h = 1e-2;
          const at = (v: number) => {
            const w = new Float32Array(values);
            w[i] = v;
            graph.writeWeights(new Map([[name, w]]));
            return loss().dataSync()[0];
          };
          const fd = (at(values[i] + h) - at(values[i] - h)) / (2 * h);
          graph.writeWeights(new Map([[name, values]]));
          if (!(Math.abs(fd - g[i]) < 2e-3 + 3e-2 * Math.abs(fd)))
            failures.push(`${caseLabel(c)}: ${name}[${i}] autodiff ${g[i]} vs finite difference ${fd}`);
        }
      }
      tf.dispose(Object.values(grads));
      tf.dispose(probes);
      tf.dispose(Object.values(feeds));
    } catch (e) {
      failures.push(`${caseLabel(c)}: ${(e as Error).message.split('\n')[0]}`);
    } finally {
      graph.dispose();
    }
  }
  assert.deepEqual(failures, []);
});
