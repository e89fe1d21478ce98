// Parity: every operator the tfjs interpreter supports, run on both engines with random inputs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, float, type AttrValue } from '../../onnx/graph-builder.ts';
import { DataType } from '../../onnx/onnx-proto.ts';
import { OrtEngine } from '../ort/ort-engine.ts';
import { loadTf } from './tf-backend.ts';
import { supportedOps } from './onnx-ops.ts';
import { compareEngines } from '../parity.ts';
import { f32, i64, type Feeds } from '../tensor.ts';
import { mulberry32 } from '../../random/prng.ts';

const ort = new OrtEngine();
after(() => ort.close());

interface Case {
  op: string;
  /** input shapes (float inputs, random) */
  shapes: number[][];
  attrs?: Record<string, AttrValue>;
  /** extra constant int64 inputs appended after the float inputs */
  ints?: number[][];
  /** positive inputs only (Log, Sqrt, Pow) */
  positive?: boolean;
  /** an int64 input (indices) instead of float for input i */
  indices?: { at: number; values: number[]; dims: number[] };
  outputs?: number;
  label?: string;
}

const cases: Case[] = [
  { op: 'Identity', shapes: [[3, 4]] },
  { op: 'Add', shapes: [[2, 3, 4], [4]] },
  { op: 'Sub', shapes: [[2, 3, 4], [3, 1]] },
  { op: 'Mul', shapes: [[2, 3], [2, 3]] },
  { op: 'Div', shapes: [[2, 3], [1, 3]], positive: true },
  { op: 'Pow', shapes: [[2, 3], [2, 3]], positive: true },
  { op: 'Max', shapes: [[2, 3], [3], [2, 1]] },
  { op: 'Min', shapes: [[2, 3], [2, 3]] },
  { op: 'Neg', shapes: [[5]] },
  { op: 'Abs', shapes: [[5]] },
  { op: 'Relu', shapes: [[4, 5]] },
  { op: 'LeakyRelu', shapes: [[4, 5]], attrs: { alpha: float(0.2) } },
  { op: 'Sigmoid', shapes: [[4, 5]] },
  { op: 'Tanh', shapes: [[4, 5]] },
  { op: 'Exp', shapes: [[4, 5]] },
  { op: 'Log', shapes: [[4, 5]], positive: true },
  { op: 'Sqrt', shapes: [[4, 5]], positive: true },
  { op: 'Reciprocal', shapes: [[4, 5]], positive: true },
  { op: 'Sin', shapes: [[4, 5]] },
  { op: 'Cos', shapes: [[4, 5]] },
  { op: 'Erf', shapes: [[4, 5]] },
  { op: 'Softplus', shapes: [[4, 5]] },
  { op: 'MatMul', shapes: [[3, 4], [4, 5]] },
  { op: 'MatMul', shapes: [[2, 3, 4], [4, 5]], label: 'MatMul 3d×2d' },
  { op: 'MatMul', shapes: [[2, 3, 4], [2, 4, 5]], label: 'MatMul batched' },
  { op: 'Gemm', shapes: [[4, 3], [5, 4], [5]], attrs: { transA: 1, transB: 1, alpha: float(0.5), beta: float(2) } },
  { op: 'Reshape', shapes: [[2, 3, 4]], ints: [[0, -1]] },
  { op: 'Flatten', shapes: [[2, 3, 4]], attrs: { axis: 2 } },
  { op: 'Transpose', shapes: [[2, 3, 4]], attrs: { perm: [2, 0, 1] } },
  { op: 'Concat', shapes: [[2, 3], [2, 5]], attrs: { axis: -1 } },
  { op: 'Unsqueeze', shapes: [[2, 3]], ints: [[0, -1]] },
  { op: 'Squeeze', shapes: [[2, 1, 3, 1]], ints: [[1]] },
  { op: 'Slice', shapes: [[6, 5]], ints: [[1, 0], [5, -1], [0, 1], [2, 1]] },
  { op: 'Slice', shapes: [[6, 5]], ints: [[-1], [-100], [0], [-2]], label: 'Slice reversed' },
  { op: 'Gather', shapes: [[10, 4]], indices: { at: 1, values: [3, 0, 9, 3], dims: [2, 2] } },
  { op: 'Split', shapes: [[4, 6]], attrs: { axis: 1 }, ints: [[2, 4]], outputs: 2 },
  { op: 'Softmax', shapes: [[3, 4, 5]], attrs: { axis: 1 } },
  { op: 'LayerNormalization', shapes: [[3, 4, 8], [8], [8]], attrs: { axis: -1, epsilon: float(1e-5) } },
  { op: 'ReduceMean', shapes: [[3, 4, 5]], attrs: { axes: [1], keepdims: 0 } },
  { op: 'ReduceSum', shapes: [[3, 4, 5]], ints: [[0, 2]] },
  { op: 'Cast', shapes: [[3, 4]], attrs: { to: DataType.FLOAT } },
  { op: 'Expand', shapes: [[3, 1]], ints: [[2, 3, 4]] },
];

function buildCase(c: Case, rand: () => number): { model: ReturnType<GraphBuilder['build']>; feeds: Feeds } {
  const g = new GraphBuilder(c.op);
  const feeds: Feeds = {};
  const inputs: string[] = [];
  c.shapes.forEach((shape, i) => {
    if (c.indices && c.indices.at === i) return;
    const name = `in${i}`;
    g.input(name, shape);
    const n = shape.reduce((a, b) => a * b, 1);
    feeds[name] = f32(Float32Array.from({ length: n }, () => (c.positive ? 0.2 + 2 * rand() : 4 * rand() - 2)), shape);
    inputs[i] = name;
  });
  if (c.indices) {
    const name = `idx${c.indices.at}`;
    g.input(name, c.indices.dims, DataType.INT64);
    feeds[name] = i64(c.indices.values, c.indices.dims);
    inputs[c.indices.at] = name;
  }
  for (const v of c.ints ?? []) inputs.push(g.constInt64(v));
  const outs = g.opN(c.op, inputs, c.outputs ?? 1, c.attrs ?? {});
  for (const o of outs) g.output(o);
  return { model: g.build(), feeds };
}

test('every supported operator has a parity case', () => {
  const covered = new Set([...cases.map((c) => c.op), 'Constant']);
  const missing = supportedOps().filter((op) => !covered.has(op) && op !== 'Shape' && op !== 'Where');
  assert.deepEqual(missing, []);
});

test('operators agree between onnxruntime and tfjs', async () => {
  const tf = await loadTf();
  const rand = mulberry32(1234);
  for (const c of cases) {
    const { model, feeds } = buildCase(c, rand);
    const results = await compareEngines(tf, ort, model, feeds);
    for (const r of results) assert.ok(r.maxRel < 1e-5, `${c.label ?? c.op}: output ${r.output} differs by ${r.maxAbs} (rel ${r.maxRel})`);
  }
});

test('Shape and Where agree between engines', async () => {
  const tf = await loadTf();
  const g = new GraphBuilder('shape-where');
  const x = g.input('x', [2, 3]);
  const y = g.input('y', [2, 3]);
  const s = g.op('Shape', [x]);
  const back = g.op('Reshape', [g.op('Add', [x, y]), s]);
  const cond = g.op('Cast', [g.op('Relu', [x])], { to: DataType.BOOL });
  const w = g.op('Where', [cond, back, y]);
  g.output(w, [2, 3]);
  const feeds = { x: f32(Float32Array.from([1, -1, 2, -2, 0.5, 0]), [2, 3]), y: f32(Float32Array.from([10, 20, 30, 40, 50, 60]), [2, 3]) };
  const [r] = await compareEngines(tf, ort, g.build(), feeds);
  assert.equal(r.maxAbs, 0);
});
