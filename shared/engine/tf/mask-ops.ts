// The comparisons, boolean logic and generators exporters emit for masks and shape arithmetic:
// Equal/Less/Greater, Not/And/Or/Xor, Where, Trilu, Range, ConstantOfShape. Integer contents known
// statically stay known, so shape computations built from them stay static.
import {
  attrInt,
  attrTensor,
  input,
  ints,
  one,
  scalarInput,
  tensorValue,
  type OpImpl,
  type Tensor,
  type Value,
} from './op-context.ts';
import type { TF } from './tf-backend.ts';

function compare(f: (tf: TF, a: Tensor, b: Tensor) => Tensor, g: (a: number, b: number) => boolean): OpImpl {
  return (ctx) => {
    const [a, b] = [ctx.inputs[0], ctx.inputs[1]];
    let x = input(ctx, 0);
    let y = input(ctx, 1);
    if (x.dtype !== y.dtype) [x, y] = [ctx.tf.cast(x, 'float32'), ctx.tf.cast(y, 'float32')];
    const out = f(ctx.tf, x, y);
    if (a?.ints && b?.ints && out.rank <= 1) {
      const n = Math.max(a.ints.length, b.ints.length);
      const at = (v: number[], i: number) => (v.length === 1 ? v[0] : v[i]);
      return one(
        out,
        Array.from({ length: n }, (_, i) => (g(at(a.ints!, i), at(b.ints!, i)) ? 1 : 0)),
      );
    }
    return one(out);
  };
}

function asBool(tf: TF, t: Tensor): Tensor {
  return t.dtype === 'bool' ? t : tf.notEqual(t, 0);
}

/**
 * tf.where(c, x, y). tfjs-wasm's Select kernel is wrong for bool branches (it returned all true for a checkerboard
 * condition, and larger results crash the kernels that read them), so bool branches select as int32.
 */
function select(tf: TF, c: Tensor, x: Tensor, y: Tensor): Tensor {
  if (x.dtype !== 'bool') return tf.where(c, x, y);
  return tf.cast(tf.where(c, tf.cast(x, 'int32'), tf.cast(y, 'int32')), 'bool');
}

/** The 0/1 mask of Trilu on an (rows × cols) matrix: keep j − i ≥ k (upper) or j − i ≤ k (lower). */
export function triluMask(rows: number, cols: number, k: number, upper: boolean): Float32Array {
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) m[i * cols + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  }
  return m;
}

/** The elements of Range(start, limit, delta): ⌈(limit − start) / delta⌉ of them, at least none. */
export function rangeValues(start: number, limit: number, delta: number): number[] {
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return Array.from({ length: n }, (_, i) => start + i * delta);
}

export const MASK_OPS: Record<string, OpImpl> = {
  Equal: compare(
    (tf, a, b) => tf.equal(a, b),
    (a, b) => a === b,
  ),
  Less: compare(
    (tf, a, b) => tf.less(a, b),
    (a, b) => a < b,
  ),
  LessOrEqual: compare(
    (tf, a, b) => tf.lessEqual(a, b),
    (a, b) => a <= b,
  ),
  Greater: compare(
    (tf, a, b) => tf.greater(a, b),
    (a, b) => a > b,
  ),
  GreaterOrEqual: compare(
    (tf, a, b) => tf.greaterEqual(a, b),
    (a, b) => a >= b,
  ),
  Not: (ctx) => {
    const known = ctx.inputs[0]!.ints;
    return one(
      ctx.tf.logicalNot(asBool(ctx.tf, input(ctx, 0))),
      known?.map((v) => (v ? 0 : 1)),
    );
  },
  And: (ctx) => one(ctx.tf.logicalAnd(asBool(ctx.tf, input(ctx, 0)), asBool(ctx.tf, input(ctx, 1)))),
  Or: (ctx) => one(ctx.tf.logicalOr(asBool(ctx.tf, input(ctx, 0)), asBool(ctx.tf, input(ctx, 1)))),
  Xor: (ctx) => one(ctx.tf.logicalXor(asBool(ctx.tf, input(ctx, 0)), asBool(ctx.tf, input(ctx, 1)))),

  Where: (ctx) => {
    const { tf } = ctx;
    const [c, a, b] = ctx.inputs as Value[];
    let x = a.tensor;
    let y = b.tensor;
    if (x.dtype !== y.dtype) [x, y] = [tf.cast(x, 'float32'), tf.cast(y, 'float32')];
    // tfjs's where broadcasts its condition only to equal ranks: broadcast all three to the common shape
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(
      tf.broadcast_util.assertAndGetBroadcastShape(c.tensor.shape, x.shape),
      y.shape,
    );
    const t = select(
      tf,
      tf.broadcastTo(asBool(tf, c.tensor), shape),
      tf.broadcastTo(x, shape),
      tf.broadcastTo(y, shape),
    );
    if (c.ints && a.ints && b.ints && t.rank <= 1) {
      const at = (v: number[], i: number) => (v.length === 1 ? v[0] : v[i]);
      return one(
        t,
        Array.from({ length: t.size }, (_, i) => (at(c.ints!, i) ? at(a.ints!, i) : at(b.ints!, i))),
      );
    }
    return one(t);
  },

  // the upper (or lower) triangle of the last two axes, shifted by k (input 1)
  Trilu: (ctx) => {
    const x = input(ctx, 0);
    const k = ctx.inputs[1] ? (ints(ctx, 1)![0] ?? 0) : 0;
    const [rows, cols] = x.shape.slice(-2);
    const mask = ctx.tf.tensor(triluMask(rows, cols, k, attrInt(ctx.node, 'upper', 1) === 1), [rows, cols], 'float32');
    if (x.dtype === 'float32') return one(ctx.tf.mul(x, mask));
    return one(select(ctx.tf, ctx.tf.broadcastTo(ctx.tf.cast(mask, 'bool'), x.shape), x, ctx.tf.zerosLike(x)));
  },

  Range: (ctx) => {
    const [s, l, d] = [0, 1, 2].map((i) => scalarInput(ctx, i)!);
    const values = rangeValues(s, l, d);
    const isInt = input(ctx, 0).dtype === 'int32';
    return one(ctx.tf.tensor1d(values, isInt ? 'int32' : 'float32'), isInt ? values : undefined);
  },

  // a tensor of the given shape filled with `value` (a one-element tensor attribute; float 0 by default)
  ConstantOfShape: (ctx) => {
    const { tf } = ctx;
    const shape = ints(ctx, 0)!;
    const t = attrTensor(ctx.node, 'value');
    const fill = t ? tensorValue(tf, t) : { tensor: tf.scalar(0) };
    const v = Number(fill.ints?.[0] ?? fill.tensor.dataSync()[0]);
    const dtype = fill.tensor.dtype;
    fill.tensor.dispose();
    const n = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'bool') return one(tf.cast(tf.fill(shape, v, 'int32'), 'bool'));
    return one(
      tf.fill(shape, v, dtype as 'float32' | 'int32'),
      dtype === 'int32' && shape.length === 1 ? new Array<number>(n).fill(v) : undefined,
    );
  },
};
