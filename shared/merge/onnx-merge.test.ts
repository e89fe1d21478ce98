import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../onnx/onnx-proto.ts';
import { int64Tensor, tensorToFloat32 } from '../onnx/tensor-data.ts';
import { mergeCheckpoints, RECIPE_KEY } from './merge-checkpoints.ts';
import { prng } from './reference.test-util.ts';

/** x[N,3] → MatMul W1[3,4] + b1 → Relu → MatMul W2[4,2] + b2 → Reshape to [-1] (shape as an INT64 initializer). */
function mlp(seed: number): { model: ModelProto; weights: Record<string, Float32Array> } {
  const r = prng(seed);
  const rand = (n: number) => Float32Array.from({ length: n }, () => r() / 2 ** 32 - 0.5);
  const weights = { 'fc1.weight': rand(12), 'fc1.bias': rand(4), 'fc2.weight': rand(8), 'fc2.bias': rand(2) };
  const g = new GraphBuilder('mlp');
  const x = g.input('x', ['N', 3]);
  const h = g.op('Relu', [
    g.op('Add', [
      g.op('MatMul', [x, g.param('fc1.weight', [3, 4], weights['fc1.weight'])]),
      g.param('fc1.bias', [4], weights['fc1.bias']),
    ]),
  ]);
  const y = g.op('Add', [
    g.op('MatMul', [h, g.param('fc2.weight', [4, 2], weights['fc2.weight'])]),
    g.param('fc2.bias', [2], weights['fc2.bias']),
  ]);
  const out = g.op('Reshape', [y, 'flat_shape']);
  g.output(out, ['M']);
  const model = g.build({ metadata: { family: 'test' } });
  model.graph.initializer.push(int64Tensor('flat_shape', [1], [-1]));
  return { model, weights };
}

function forward(w: Record<string, Float32Array>, x: Float32Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = [0, 1, 2, 3].map((j) =>
      Math.max(
        0,
        x[3 * i] * w['fc1.weight'][j] +
          x[3 * i + 1] * w['fc1.weight'][4 + j] +
          x[3 * i + 2] * w['fc1.weight'][8 + j] +
          w['fc1.bias'][j],
      ),
    );
    for (let k = 0; k < 2; k++)
      out.push(h.reduce((s, v, j) => s + v * w['fc2.weight'][2 * j + k], 0) + w['fc2.bias'][k]);
  }
  return out;
}

test('ONNX: two exports of one graph merge into a model onnxruntime runs with the merged weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'onnx-merge-'));
  try {
    const base = mlp(1);
    const self = mlp(2);
    // the base stores one weight in float_data (typed field) instead of raw_data
    const t = base.model.graph.initializer.find((i) => i.name === 'fc2.weight')!;
    t.floatData = Array.from(tensorToFloat32(t));
    delete t.rawData;
    // self keeps fc1.weight in an external data file beside the model
    const ext = self.model.graph.initializer.find((i) => i.name === 'fc1.weight')!;
    const bytes = ext.rawData!;
    await writeFile(join(dir, 'self.weights.bin'), Buffer.concat([Buffer.alloc(16), Buffer.from(bytes)]));
    delete ext.rawData;
    ext.dataLocation = 1;
    ext.externalData = [
      { key: 'location', value: 'self.weights.bin' },
      { key: 'offset', value: '16' },
      { key: 'length', value: String(bytes.length) },
    ];
    // and the base keeps its int64 shape initializer (copied, not merged) externally
    const shape = base.model.graph.initializer.find((i) => i.name === 'flat_shape')!;
    await writeFile(join(dir, 'base.bin'), shape.rawData!);
    delete shape.rawData;
    shape.dataLocation = 1;
    shape.externalData = [{ key: 'location', value: 'base.bin' }];
    await writeFile(join(dir, 'base.onnx'), encodeModel(base.model));
    await writeFile(join(dir, 'self.onnx'), encodeModel(self.model));

    const ws = [1, 2.5];
    const outputs = ws.map((w) => join(dir, `neon-w${w}.onnx`));
    const res = await mergeCheckpoints({ base: join(dir, 'base.onnx'), self: join(dir, 'self.onnx'), ws, outputs });
    assert.equal(res.format, 'onnx');
    assert.equal(res.plan.merged, 4);
    assert.deepEqual(res.plan.copied, [{ name: 'flat_shape', reason: 'non-float dtype I64' }]);
    assert.deepEqual(
      res.outputs[0].recipe.self.files.map((f) => f.name),
      ['self.onnx', 'self.weights.bin'],
    );

    const xs = Float32Array.from([0.5, -1, 2, 1, 1, 1, -0.3, 0.2, 0.9]);
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k];
      const merged = Object.fromEntries(
        Object.keys(base.weights).map((name) => [
          name,
          base.weights[name].map((b, i) => Math.fround((1 + w) * b - w * self.weights[name][i])),
        ]),
      );
      // the stored initializers are exactly the reference, bit for bit
      const m = decodeModel(await readFile(outputs[k]));
      for (const name of Object.keys(merged))
        assert.deepEqual(tensorToFloat32(m.graph.initializer.find((i) => i.name === name)!), merged[name], name);
      // everything else of the base is kept: nodes, inputs, outputs, the int64 initializer, metadata
      assert.deepEqual(m.graph.node, base.model.graph.node);
      assert.deepEqual(m.graph.input, base.model.graph.input);
      const flat = m.graph.initializer.find((i) => i.name === 'flat_shape')!;
      assert.equal(flat.dataType, DataType.INT64);
      assert.equal(flat.dataLocation, undefined, 'external data is inlined in the merged model');
      assert.deepEqual(Array.from(flat.rawData!), [255, 255, 255, 255, 255, 255, 255, 255]);
      assert.equal(m.metadataProps.find((e) => e.key === 'family')?.value, 'test');
      assert.equal(JSON.parse(m.metadataProps.find((e) => e.key === RECIPE_KEY)!.value).w, w);
      // and onnxruntime computes with the merged weights
      const session = await ort.InferenceSession.create(outputs[k]);
      const result = await session.run({ x: new ort.Tensor('float32', xs, [3, 3]) });
      const got = Array.from(result[session.outputNames[0]].data as Float32Array);
      const want = forward(merged, xs, 3);
      const baseOut = forward(base.weights, xs, 3);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `w=${w} output ${i}: ${v} vs ${want[i]}`));
      assert.ok(
        got.some((v, i) => Math.abs(v - baseOut[i]) > 1e-3),
        'the merged model differs from the base',
      );
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ONNX: an initializer whose shape differs between the exports is an error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'onnx-merge-'));
  try {
    const base = mlp(1);
    const self = mlp(2);
    self.model.graph.initializer.find((i) => i.name === 'fc1.bias')!.dims = [2, 2];
    await writeFile(join(dir, 'b.onnx'), encodeModel(base.model));
    await writeFile(join(dir, 's.onnx'), encodeModel(self.model));
    await assert.rejects(
      mergeCheckpoints({
        base: join(dir, 'b.onnx'),
        self: join(dir, 's.onnx'),
        ws: [1],
        outputs: [join(dir, 'o.onnx')],
      }),
      /fc1\.bias.*\[4\].*\[2, 2\]/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
