// ONNX operators (opsets 14–21) as TensorFlow.js ops: the differentiable half of the engine. The operator
// families live in their own files; this one has the matrix products, reductions and softmax, and the table.
// Every operator here is also covered by the parity test against onnxruntime (onnx-ops.test.ts).
import {
  attrFloat,
  attrInt,
  axesOf,
  input,
  norm,
  one,
  type OpContext,
  type OpImpl,
  type Tensor,
} from './op-context.ts';
import type { TF } from './tf-backend.ts';
import { ELEMENTWISE_OPS } from './elementwise-ops.ts';
import { SHAPE_OPS } from './shape-ops.ts';
import { MASK_OPS } from './mask-ops.ts';
import { NORM_OPS } from './norm-ops.ts';
import { CONV_OPS } from './conv-ops.ts';
import { POOL_OPS } from './pool-ops.ts';
import { PAD_OPS } from './pad-op.ts';
import { RESIZE_OPS } from './resize-op.ts';
import { EINSUM_OPS } from './einsum.ts';

export { attrFloat, attrInt, attrInts, type OpContext, type OpImpl, type Value } from './op-context.ts';

/** Matrix product with numpy semantics; an N-d × 2-d product runs as one 2-d GEMM. */
export function matMul(tf: TF, a: Tensor, b: Tensor): Tensor {
  if (a.rank >= 3 && b.rank === 2) {
    const lead = a.shape.slice(0, -1);
    const flat = tf.reshape(a, [-1, a.shape[a.rank - 1]]);
    return tf.reshape(tf.matMul(flat, b), [...lead, b.shape[1] as number]);
  }
  if (a.rank === 2 && b.rank >= 3) {
    return tf.matMul(tf.broadcastTo(a, [...b.shape.slice(0, -2), ...a.shape]), b);
  }
  if (a.rank === 1 || b.rank === 1) {
    // a vector operand gains an axis for the product and loses it after
    const a2 = a.rank === 1 ? tf.reshape(a, [1, a.shape[0]]) : a;
    const b2 = b.rank === 1 ? tf.reshape(b, [b.shape[0], 1]) : b;
    const y = matMul(tf, a2, b2);
    const shape = y.shape.slice(0, -2);
    if (a.rank !== 1) shape.push(y.shape[y.rank - 2]);
    if (b.rank !== 1) shape.push(y.shape[y.rank - 1]);
    return tf.reshape(y, shape);
  }
  return tf.matMul(a, b);
}

/** A reduction whose axes are an attribute before `inputSince` and input 1 from it on. */
function reduce(inputSince: number, f: (tf: TF, x: Tensor, axes: number[], keep: boolean) => Tensor): OpImpl {
  return (ctx: OpContext) => {
    const x = input(ctx, 0);
    const given = axesOf(ctx, inputSince, 1);
    if ((!given || given.length === 0) && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [ctx.inputs[0]!];
    const axes = given && given.length > 0 ? given.map((a) => norm(a, x.rank)) : x.shape.map((_, i) => i);
    return one(f(ctx.tf, x, axes, attrInt(ctx.node, 'keepdims', 1) === 1));
  };
}

/** Softmax (or log-softmax) along one axis (opset ≥ 13); before 13 over the axes from `axis` on, flattened. */
function softmax(log: boolean): OpImpl {
  return (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const f = (t: Tensor) => (log ? tf.logSoftmax(t) : tf.softmax(t));
    if (ctx.opset < 13) {
      const axis = norm(attrInt(ctx.node, 'axis', 1), x.rank);
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      return one(tf.reshape(f(tf.reshape(x, [outer, -1])), x.shape));
    }
    const axis = norm(attrInt(ctx.node, 'axis', -1), x.rank);
    if (axis === x.rank - 1) return one(f(x));
    const perm = x.shape.map((_, i) => i);
    [perm[axis], perm[x.rank - 1]] = [perm[x.rank - 1], perm[axis]];
    return one(tf.transpose(f(tf.transpose(x, perm)), perm));
  };
}

const CORE_OPS: Record<string, OpImpl> = {
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

  Softmax: softmax(false),
  LogSoftmax: softmax(true),

  ReduceMean: reduce(18, (tf, x, axes, keep) => tf.mean(x, axes, keep)),
  ReduceMax: reduce(18, (tf, x, axes, keep) => tf.max(x, axes, keep)),
  ReduceMin: reduce(18, (tf, x, axes, keep) => tf.min(x, axes, keep)),
  ReduceSum: reduce(13, (tf, x, axes, keep) => tf.sum(x, axes, keep)),
  ReduceSumSquare: reduce(18, (tf, x, axes, keep) => tf.sum(tf.square(x), axes, keep)),
  ReduceL2: reduce(18, (tf, x, axes, keep) => tf.sqrt(tf.sum(tf.square(x), axes, keep))),
};

export const ONNX_OPS: Record<string, OpImpl> = {
  ...ELEMENTWISE_OPS,
  ...SHAPE_OPS,
  ...MASK_OPS,
  ...CORE_OPS,
  ...NORM_OPS,
  ...CONV_OPS,
  ...POOL_OPS,
  ...PAD_OPS,
  ...RESIZE_OPS,
  ...EINSUM_OPS,
};

export function supportedOps(): string[] {
  return [...Object.keys(ONNX_OPS), 'Constant'].sort();
}
