// ONNX operators (opset 17 semantics) as TensorFlow.js ops: the differentiable half of the engine.
// Every operator here is also covered by the parity test against onnxruntime (onnx-ops.test.ts).
import type * as tfc from '@tensorflow/tfjs-core';
import { AttrType, DataType, type AttributeProto, type NodeProto } from '../../onnx/onnx-proto.ts';
import type { TF } from './tf-backend.ts';

type Tensor = tfc.Tensor;

/** A value in the interpreter: a tensor, plus its contents when known while building (shapes, axes). */
export interface Value {
  tensor: Tensor;
  /** Integer contents known statically (from Constant nodes, int initializers or Shape). */
  ints?: number[];
}

export interface OpContext {
  tf: TF;
  node: NodeProto;
  /** The node's inputs; an empty input name gives undefined. */
  inputs: (Value | undefined)[];
}

export type OpImpl = (ctx: OpContext) => Value[];

// ---------------------------------------------------------------- attributes

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.i ?? dflt;
}

export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.f ?? dflt;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints ?? (a?.type === AttrType.INTS ? [] : undefined);
}

// ---------------------------------------------------------------- helpers

function input(ctx: OpContext, i: number): Tensor {
  const v = ctx.inputs[i];
  if (!v) throw new Error(`${ctx.node.opType} '${ctx.node.name}': input ${i} is missing`);
  return v.tensor;
}

/** The integer contents of an input (shape, axes, starts...), statically if known, else read back. */
function ints(ctx: OpContext, i: number): number[] | undefined {
  const v = ctx.inputs[i];
  if (!v) return undefined;
  if (v.ints) return v.ints;
  return Array.from(v.tensor.dataSync(), Number);
}

const one = (tensor: Tensor, ints?: number[]): Value[] => [{ tensor, ints }];
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function unary(f: (tf: TF, x: Tensor) => Tensor): OpImpl {
  return (ctx) => one(f(ctx.tf, input(ctx, 0)));
}

function binary(f: (tf: TF, a: Tensor, b: Tensor) => Tensor): OpImpl {
  return (ctx) => one(f(ctx.tf, input(ctx, 0), input(ctx, 1)));
}

/** Matrix product with numpy semantics; an N-d × 2-d product runs as one 2-d GEMM. */
function matMul(tf: TF, a: Tensor, b: Tensor): Tensor {
  if (a.rank >= 3 && b.rank === 2) {
    const lead = a.shape.slice(0, -1);
    const flat = tf.reshape(a, [-1, a.shape[a.rank - 1]]);
    return tf.reshape(tf.matMul(flat, b), [...lead, b.shape[1] as number]);
  }
  if (a.rank === 2 && b.rank >= 3) {
    return tf.matMul(tf.broadcastTo(a, [...b.shape.slice(0, -2), ...a.shape]), b);
  }
  return tf.matMul(a, b);
}

function reshapeTarget(shape: number[], inShape: number[], allowZero: boolean): number[] {
  return shape.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
}

function toTfDtype(onnxType: number): 'float32' | 'int32' | 'bool' {
  switch (onnxType) {
    case DataType.FLOAT:
    case DataType.DOUBLE:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 'float32';
    case DataType.BOOL:
      return 'bool';
    default:
      return 'int32';
  }
}

// ---------------------------------------------------------------- the operator table

export const ONNX_OPS: Record<string, OpImpl> = {
  Identity: (ctx) => [ctx.inputs[0]!],
  Add: binary((tf, a, b) => tf.add(a, b)),
  Sub: binary((tf, a, b) => tf.sub(a, b)),
  Mul: binary((tf, a, b) => tf.mul(a, b)),
  Div: binary((tf, a, b) => tf.div(a, b)),
  Pow: binary((tf, a, b) => tf.pow(a, b)),
  Max: (ctx) => one(ctx.inputs.map((v) => v!.tensor).reduce((a, b) => ctx.tf.maximum(a, b))),
  Min: (ctx) => one(ctx.inputs.map((v) => v!.tensor).reduce((a, b) => ctx.tf.minimum(a, b))),
  Neg: unary((tf, x) => tf.neg(x)),
  Abs: unary((tf, x) => tf.abs(x)),
  Relu: unary((tf, x) => tf.relu(x)),
  LeakyRelu: (ctx) => one(ctx.tf.leakyRelu(input(ctx, 0), attrFloat(ctx.node, 'alpha', 0.01))),
  Sigmoid: unary((tf, x) => tf.sigmoid(x)),
  Tanh: unary((tf, x) => tf.tanh(x)),
  Exp: unary((tf, x) => tf.exp(x)),
  Log: unary((tf, x) => tf.log(x)),
  Sqrt: unary((tf, x) => tf.sqrt(x)),
  Reciprocal: unary((tf, x) => tf.reciprocal(x)),
  Sin: unary((tf, x) => tf.sin(x)),
  Cos: unary((tf, x) => tf.cos(x)),
  Erf: unary((tf, x) => tf.erf(x)),
  Softplus: unary((tf, x) => tf.softplus(x)),

  MatMul: (ctx) => one(matMul(ctx.tf, input(ctx, 0), input(ctx, 1))),

  // Y = alpha·op(A)·op(B) + beta·C
  Gemm: (ctx) => {
    const { tf, node } = ctx;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    let y = tf.matMul(input(ctx, 0), input(ctx, 1), attrInt(node, 'transA', 0) === 1, attrInt(node, 'transB', 0) === 1);
    if (alpha !== 1) y = tf.mul(y, alpha);
    const c = ctx.inputs[2];
    if (c) y = tf.add(y, beta === 1 ? c.tensor : tf.mul(c.tensor, beta));
    return one(y);
  },

  Reshape: (ctx) => {
    const x = input(ctx, 0);
    const shape = reshapeTarget(ints(ctx, 1)!, x.shape, attrInt(ctx.node, 'allowzero', 0) === 1);
    return one(ctx.tf.reshape(x, shape));
  },

  Flatten: (ctx) => {
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', 1), x.rank);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return one(ctx.tf.reshape(x, [outer, -1]));
  },

  Transpose: (ctx) => {
    const x = input(ctx, 0);
    const perm = attrInts(ctx.node, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    return one(ctx.tf.transpose(x, perm));
  },

  Concat: (ctx) => {
    const xs = ctx.inputs.filter((v): v is Value => v !== undefined);
    const axis = norm(attrInt(ctx.node, 'axis', 0), xs[0].tensor.rank);
    const allInts = xs.every((v) => v.ints) ? xs.flatMap((v) => v.ints!) : undefined;
    return one(ctx.tf.concat(xs.map((v) => v.tensor), axis), axis === 0 ? allInts : undefined);
  },

  Unsqueeze: (ctx) => {
    const x = input(ctx, 0);
    const outRank = x.rank + ints(ctx, 1)!.length;
    const axes = ints(ctx, 1)!.map((a) => norm(a, outRank));
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < outRank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
    return one(ctx.tf.reshape(x, shape), ctx.inputs[0]!.ints);
  },

  Squeeze: (ctx) => {
    const x = input(ctx, 0);
    const given = ints(ctx, 1);
    const axes = given ? given.map((a) => norm(a, x.rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    return one(ctx.tf.reshape(x, x.shape.filter((_, i) => !axes.includes(i))), ctx.inputs[0]!.ints);
  },

  Slice: (ctx) => {
    const x = input(ctx, 0);
    const starts = ints(ctx, 1)!;
    const ends = ints(ctx, 2)!;
    const axes = (ints(ctx, 3) ?? starts.map((_, i) => i)).map((a) => norm(a, x.rank));
    const steps = ints(ctx, 4) ?? starts.map(() => 1);
    const begin = x.shape.map(() => 0);
    const end = [...x.shape];
    const stride = x.shape.map(() => 1);
    axes.forEach((ax, i) => {
      const dim = x.shape[ax];
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      const step = steps[i];
      if (step === 0) throw new Error(`Slice '${ctx.node.name}': step 0`);
      let s = starts[i] < 0 ? starts[i] + dim : starts[i];
      let e = ends[i] < 0 ? ends[i] + dim : ends[i];
      if (step > 0) {
        s = clamp(s, 0, dim);
        e = clamp(e, 0, dim);
      } else {
        s = clamp(s, 0, dim - 1);
        e = clamp(e, -1, dim - 1);
      }
      begin[ax] = s;
      end[ax] = e;
      stride[ax] = step;
    });
    const src = ctx.inputs[0]!.ints;
    const staticInts = src && x.rank === 1 ? sliceInts(src, begin[0], end[0], stride[0]) : undefined;
    if (stride.every((s) => s === 1)) {
      const size = end.map((e, i) => Math.max(0, e - begin[i]));
      return one(ctx.tf.slice(x, begin, size), staticInts);
    }
    // tfjs's strided slice treats a negative end as relative; -1 here means "before index 0"
    const endMask = end.reduce((m, e, i) => (e < 0 ? m | (1 << i) : m), 0);
    return one(ctx.tf.stridedSlice(x, begin, end.map((e) => Math.max(e, 0)), stride, 0, endMask), staticInts);
  },

  Gather: (ctx) => {
    const x = input(ctx, 0);
    const idx = input(ctx, 1);
    const axis = norm(attrInt(ctx.node, 'axis', 0), x.rank);
    const src = ctx.inputs[0]!.ints;
    const idxInts = ctx.inputs[1]!.ints;
    const staticInts = src && idxInts && x.rank === 1 ? idxInts.map((i) => src[i < 0 ? i + src.length : i]) : undefined;
    return one(ctx.tf.gather(x, idx.dtype === 'int32' ? idx : ctx.tf.cast(idx, 'int32'), axis), staticInts);
  },

  Split: (ctx) => {
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', 0), x.rank);
    const sizes = ints(ctx, 1);
    const parts = ctx.tf.split(x, sizes ?? ctx.node.output.length, axis);
    return parts.map((tensor) => ({ tensor }));
  },

  Softmax: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', -1), x.rank);
    if (axis === x.rank - 1) return one(tf.softmax(x));
    const perm = x.shape.map((_, i) => i);
    [perm[axis], perm[x.rank - 1]] = [perm[x.rank - 1], perm[axis]];
    return one(tf.transpose(tf.softmax(tf.transpose(x, perm)), perm));
  },

  // Y = (X − mean) / sqrt(var + ε) · Scale + B over the axes from `axis` to the last (opset 17)
  LayerNormalization: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', -1), x.rank);
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const axes = x.shape.slice(axis).map((_, i) => axis + i);
    const mean = tf.mean(x, axes, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes, true);
    let y = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
    y = tf.mul(y, input(ctx, 1));
    const b = ctx.inputs[2];
    if (b) y = tf.add(y, b.tensor);
    return one(y);
  },

  ReduceMean: (ctx) => {
    const x = input(ctx, 0);
    const axes = attrInts(ctx.node, 'axes')?.map((a) => norm(a, x.rank)) ?? x.shape.map((_, i) => i);
    return one(ctx.tf.mean(x, axes, attrInt(ctx.node, 'keepdims', 1) === 1));
  },

  ReduceSum: (ctx) => {
    const x = input(ctx, 0);
    const given = ints(ctx, 1);
    if (given && given.length === 0 && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [ctx.inputs[0]!];
    const axes = given && given.length > 0 ? given.map((a) => norm(a, x.rank)) : x.shape.map((_, i) => i);
    return one(ctx.tf.sum(x, axes, attrInt(ctx.node, 'keepdims', 1) === 1));
  },

  Cast: (ctx) => {
    const to = toTfDtype(attrInt(ctx.node, 'to', DataType.FLOAT));
    const x = input(ctx, 0);
    if (x.dtype === to) return [ctx.inputs[0]!];
    // ONNX: any non-zero value is true (a plain tfjs cast truncates 0.5 to false on some backends)
    if (to === 'bool') return one(ctx.tf.notEqual(x, 0));
    // ONNX truncates toward zero when casting floats to integers
    if (to === 'int32' && x.dtype === 'float32') return one(ctx.tf.cast(ctx.tf.sign(x).mul(ctx.tf.floor(ctx.tf.abs(x))), 'int32'));
    return one(ctx.tf.cast(x, to), ctx.inputs[0]!.ints);
  },

  Shape: (ctx) => {
    const shape = input(ctx, 0).shape;
    return one(ctx.tf.tensor1d(shape, 'int32'), shape);
  },

  Expand: (ctx) => {
    const x = input(ctx, 0);
    const target = ints(ctx, 1)!;
    // numpy broadcasting of x's shape and the target
    const rank = Math.max(x.rank, target.length);
    const xs = [...Array(rank - x.rank).fill(1), ...x.shape];
    const ts = [...Array(rank - target.length).fill(1), ...target];
    return one(ctx.tf.broadcastTo(x, xs.map((d, i) => Math.max(d, ts[i]))));
  },

  Where: (ctx) => {
    const { tf } = ctx;
    const c = input(ctx, 0);
    return one(tf.where(c.dtype === 'bool' ? c : tf.cast(c, 'bool'), input(ctx, 1), input(ctx, 2)));
  },
};

function sliceInts(src: number[], begin: number, end: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) for (let i = begin; i < end; i += step) out.push(src[i]);
  else for (let i = begin; i > end; i += step) out.push(src[i]);
  return out;
}

export function supportedOps(): string[] {
  return [...Object.keys(ONNX_OPS), 'Constant'].sort();
}
