// Elementwise ONNX operators (numpy broadcasting): arithmetic, activations, Clip, Mod, CumSum.
import {
  attrFloat,
  attrInt,
  attrString,
  axisLastPerm,
  inversePerm,
  binary,
  input,
  ints,
  norm,
  one,
  scalarInput,
  unary,
  type OpImpl,
  type Tensor,
} from './op-context.ts';
import type { TF } from './tf-backend.ts';

/** Integer arithmetic on statically known contents (shape computations), else on tensors. */
function arith(f: (tf: TF, a: Tensor, b: Tensor) => Tensor, g: (a: number, b: number) => number): OpImpl {
  return (ctx) => {
    const [a, b] = [ctx.inputs[0], ctx.inputs[1]];
    const out = f(ctx.tf, input(ctx, 0), input(ctx, 1));
    if (a?.ints && b?.ints && out.rank <= 1 && out.dtype === 'int32') {
      const n = Math.max(a.ints.length, b.ints.length);
      const at = (v: number[], i: number) => (v.length === 1 ? v[0] : v[i]);
      return one(
        out,
        Array.from({ length: n }, (_, i) => g(at(a.ints!, i), at(b.ints!, i))),
      );
    }
    return one(out);
  };
}

/** ONNX integer division truncates toward zero; tfjs's floors. */
function div(tf: TF, a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== 'int32') return tf.div(a, b);
  const q = tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'));
  return tf.cast(tf.mul(tf.sign(q), tf.floor(tf.abs(q))), 'int32');
}

export const ELEMENTWISE_OPS: Record<string, OpImpl> = {
  Add: arith(
    (tf, a, b) => tf.add(a, b),
    (a, b) => a + b,
  ),
  Sub: arith(
    (tf, a, b) => tf.sub(a, b),
    (a, b) => a - b,
  ),
  Mul: arith(
    (tf, a, b) => tf.mul(a, b),
    (a, b) => a * b,
  ),
  Div: arith(div, (a, b) => Math.trunc(a / b)),
  Pow: binary((tf, a, b) => tf.pow(a, b.dtype === a.dtype ? b : tf.cast(b, a.dtype))),
  Max: (ctx) => one(ctx.inputs.map((v) => v!.tensor).reduce((a, b) => ctx.tf.maximum(a, b))),
  Min: (ctx) => one(ctx.inputs.map((v) => v!.tensor).reduce((a, b) => ctx.tf.minimum(a, b))),
  Sum: (ctx) => one(ctx.inputs.map((v) => v!.tensor).reduce((a, b) => ctx.tf.add(a, b))),
  Neg: unary((tf, x) => tf.neg(x)),
  Abs: unary((tf, x) => tf.abs(x)),
  Sign: unary((tf, x) => tf.sign(x)),
  Floor: unary((tf, x) => tf.floor(x)),
  Ceil: unary((tf, x) => tf.ceil(x)),
  Relu: unary((tf, x) => tf.relu(x)),
  LeakyRelu: (ctx) => one(ctx.tf.leakyRelu(input(ctx, 0), attrFloat(ctx.node, 'alpha', 0.01))),
  Sigmoid: unary((tf, x) => tf.sigmoid(x)),
  HardSigmoid: (ctx) => {
    const { tf, node } = ctx;
    const y = tf.add(tf.mul(input(ctx, 0), attrFloat(node, 'alpha', 0.2)), attrFloat(node, 'beta', 0.5));
    return one(tf.minimum(tf.maximum(y, 0), 1));
  },
  Tanh: unary((tf, x) => tf.tanh(x)),
  Exp: unary((tf, x) => tf.exp(x)),
  Log: unary((tf, x) => tf.log(x)),
  Sqrt: unary((tf, x) => tf.sqrt(x)),
  Reciprocal: unary((tf, x) => tf.reciprocal(x)),
  Sin: unary((tf, x) => tf.sin(x)),
  Cos: unary((tf, x) => tf.cos(x)),
  Erf: unary((tf, x) => tf.erf(x)),
  Softplus: unary((tf, x) => tf.softplus(x)),
  Elu: (ctx) => {
    const alpha = attrFloat(ctx.node, 'alpha', 1);
    const x = input(ctx, 0);
    return one(alpha === 1 ? ctx.tf.elu(x) : ctx.tf.where(ctx.tf.greater(x, 0), x, ctx.tf.mul(ctx.tf.expm1(x), alpha)));
  },

  // opset 20: y = x·Φ(x), or its tanh approximation
  Gelu: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    if (attrString(ctx.node, 'approximate', 'none') === 'tanh') {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return one(tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)));
    }
    return one(tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
  },

  // bounds are inputs from opset 11 (attributes before); either may be absent
  Clip: (ctx) => {
    const { tf, node } = ctx;
    let x = input(ctx, 0);
    const lo = ctx.opset < 11 ? attrFloat(node, 'min', -Infinity) : scalarInput(ctx, 1);
    const hi = ctx.opset < 11 ? attrFloat(node, 'max', Infinity) : scalarInput(ctx, 2);
    if (lo !== undefined && lo !== -Infinity) x = tf.maximum(x, tf.scalar(lo, x.dtype));
    if (hi !== undefined && hi !== Infinity) x = tf.minimum(x, tf.scalar(hi, x.dtype));
    return one(x);
  },

  // fmod = 0: the remainder takes the divisor's sign (integers); fmod = 1: the dividend's (C fmod)
  Mod: (ctx) => {
    const { tf } = ctx;
    const a = input(ctx, 0);
    const b = input(ctx, 1);
    if (attrInt(ctx.node, 'fmod', 0) === 0) return one(tf.mod(a, b));
    const q = tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'));
    const r = tf.sub(tf.cast(a, 'float32'), tf.mul(tf.mul(tf.sign(q), tf.floor(tf.abs(q))), tf.cast(b, 'float32')));
    return one(a.dtype === 'float32' ? r : tf.cast(r, a.dtype));
  },

  // along the last axis only: tfjs's cumsum gradient transposes wrongly for any other axis
  CumSum: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axis = norm(ints(ctx, 1)![0], x.rank);
    const [exclusive, reverse] = [attrInt(ctx.node, 'exclusive', 0) === 1, attrInt(ctx.node, 'reverse', 0) === 1];
    if (axis === x.rank - 1) return one(tf.cumsum(x, axis, exclusive, reverse));
    const perm = axisLastPerm(x.rank, axis);
    return one(tf.transpose(tf.cumsum(tf.transpose(x, perm), x.rank - 1, exclusive, reverse), inversePerm(perm)));
  },
};
