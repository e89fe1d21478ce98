import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, float } from '../../onnx/graph-builder.ts';
import { encodeModel, decodeModel } from '../../onnx/onnx-proto.ts';
import { loadTf } from './tf-backend.ts';
import { TfGraph } from './tf-graph.ts';
import { Adam } from './adam.ts';
import { Rng } from '../../random/prng.ts';

function smoothNet(rng: Rng) {
  const g = new GraphBuilder('smooth');
  const x = g.input('x', ['N', 6]);
  const w = (n: number) => Float32Array.from({ length: n }, () => 0.4 * rng.normal());
  let h = g.op('Gemm', [x, g.param('l1.w', [8, 6], w(48)), g.param('l1.b', [8], w(8))], { transB: 1 });
  h = g.op('Tanh', [h]);
  h = g.op(
    'LayerNormalization',
    [g.op('Reshape', [h, g.constInt64([-1, 2, 4])]), g.param('ln.g', [4], w(4)), g.param('ln.b', [4], w(4))],
    { epsilon: float(1e-5) },
  );
  h = g.op('Reshape', [h, g.constInt64([0, -1])]);
  h = g.op('Softmax', [g.op('MatMul', [h, g.param('l2.w', [8, 3], w(24))])]);
  g.output(h, ['N', 3]);
  return g.build();
}

test('gradients through the interpreter match finite differences', async () => {
  const tf = await loadTf();
  const rng = new Rng(7);
  const graph = new TfGraph(tf, smoothNet(rng));
  const x = tf.tensor(
    Float32Array.from({ length: 5 * 6 }, () => rng.normal()),
    [5, 6],
  );
  const target = tf.tensor(
    Float32Array.from({ length: 15 }, () => rng.uniform()),
    [5, 3],
  );
  const loss = () =>
    tf.tidy(
      () =>
        tf.sum(
          tf.square(tf.sub(graph.run({ x })[graph.outputNames[0]], target)),
        ) as import('@tensorflow/tfjs-core').Scalar,
    );
  const { grads } = graph.valueAndGrads(loss);
  const weights = graph.readWeights();
  for (const [name, values] of weights) {
    const g = grads[name].dataSync();
    for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
      const h = 1e-2;
      const orig = values[i];
      const plus = new Float32Array(values);
      plus[i] = orig + h;
      graph.writeWeights(new Map([[name, plus]]));
      const lp = loss().dataSync()[0];
      const minus = new Float32Array(values);
      minus[i] = orig - h;
      graph.writeWeights(new Map([[name, minus]]));
      const lm = loss().dataSync()[0];
      graph.writeWeights(new Map([[name, values]]));
      const fd = (lp - lm) / (2 * h);
      assert.ok(
        Math.abs(fd - g[i]) < 2e-3 + 3e-2 * Math.abs(fd),
        `${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}`,
      );
    }
  }
});

test('training reduces the loss and the trained weights round-trip through ONNX', async () => {
  const tf = await loadTf();
  const rng = new Rng(3);
  const model = smoothNet(rng);
  const graph = new TfGraph(tf, model);
  const opt = new Adam(tf, { lr: 0.05 });
  const x = tf.tensor(
    Float32Array.from({ length: 32 * 6 }, () => rng.normal()),
    [32, 6],
  );
  const target = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: 32 }, (_, i) => i % 3),
        'int32',
      ),
      3,
    )
    .toFloat();
  const lossFn = () =>
    tf.mean(
      tf.square(tf.sub(graph.run({ x })[graph.outputNames[0]], target)),
    ) as import('@tensorflow/tfjs-core').Scalar;
  const first = tf.tidy(() => lossFn().dataSync()[0]);
  for (let i = 0; i < 60; i++) {
    const { value, grads } = graph.valueAndGrads(lossFn);
    opt.apply(graph.params, grads);
    value.dispose();
    tf.dispose(grads);
  }
  const last = tf.tidy(() => lossFn().dataSync()[0]);
  assert.ok(last < 0.7 * first, `loss ${first} → ${last}`);
  const again = new TfGraph(tf, decodeModel(encodeModel(graph.toModel())), { trainable: false });
  const a = tf.tidy(() => graph.run({ x })[graph.outputNames[0]].dataSync());
  const b = tf.tidy(() => again.run({ x })[again.outputNames[0]].dataSync());
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.ok(
    opt
      .state()
      .v.get('l1.w')!
      .every((v) => v >= 0),
  );
});
