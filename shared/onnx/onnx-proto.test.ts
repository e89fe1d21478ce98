import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, DataType } from './onnx-proto.ts';
import { GraphBuilder, float } from './graph-builder.ts';
import { tensorToFloat32 } from './tensor-data.ts';

function tinyModel() {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', ['N', 3]);
  const w = g.param('layer.weight', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6]));
  const b = g.param('layer.bias', [2], Float32Array.from([0.5, -0.5]));
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  const z = g.op('LeakyRelu', [y], { alpha: float(0.1) });
  const r = g.op('Reshape', [z, g.constInt64([-1])]);
  g.output(r, ['M']);
  return g.build({ metadata: { family: 'test' } });
}

test('encode → decode round-trips a built model byte for byte', () => {
  const m = tinyModel();
  const bytes = encodeModel(m);
  const back = decodeModel(bytes);
  assert.deepEqual(encodeModel(back), bytes);
  assert.equal(back.graph.initializer.length, 2);
  assert.equal(back.graph.initializer[0].name, 'layer.weight');
  assert.deepEqual(Array.from(tensorToFloat32(back.graph.initializer[0])), [1, 2, 3, 4, 5, 6]);
  assert.equal(back.graph.input[0].shape?.[0].param, 'N');
  assert.equal(back.graph.node.find((n) => n.opType === 'LeakyRelu')!.attribute[0].f, Math.fround(0.1));
  assert.deepEqual(back.metadataProps, [{ key: 'family', value: 'test' }]);
  assert.equal(back.graph.initializer[1].dataType, DataType.FLOAT);
});

test('onnxruntime loads what we encode and computes the graph', async () => {
  const session = await ort.InferenceSession.create(encodeModel(tinyModel()));
  const x = new ort.Tensor('float32', Float32Array.from([1, 0, -1, 2, 1, 0]), [2, 3]);
  const out = await session.run({ x });
  const r = out[session.outputNames[0]].data as Float32Array;
  // row 1: [1,0,-1]·W + b = [1-5, 2-6] + b = [-3.5, -4.5] → leaky: [-0.35, -0.45]
  // row 2: [2,1,0]·W + b = [2+3, 4+4] + b = [5.5, 7.5]
  const expect = [-0.35, -0.45, 5.5, 7.5];
  r.forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-6, `${v} vs ${expect[i]}`));
  await session.release();
});

test('unknown fields survive a round trip', () => {
  const bytes = encodeModel(tinyModel());
  // append an unknown top-level field 99 (varint 7) to the model
  const extra = Uint8Array.from([0x98, 0x06, 0x07]);
  const withExtra = new Uint8Array(bytes.length + extra.length);
  withExtra.set(bytes);
  withExtra.set(extra, bytes.length);
  const again = encodeModel(decodeModel(withExtra));
  assert.deepEqual(again.subarray(again.length - 3), extra);
});

test('a file that is not ONNX is a clear error', () => {
  assert.throws(() => decodeModel(Uint8Array.from([0x08, 0x01])), /no graph/);
  assert.throws(() => decodeModel(Uint8Array.from([0x3a, 0x10, 0x01])), /truncated/);
});
