// Normalization operators: LayerNormalization, InstanceNormalization (how PyTorch exports GroupNorm at
// opset ≤ 17: Reshape → InstanceNormalization → Reshape → Mul → Add), GroupNormalization (opset 18: scale and
// bias per group; opset 21: per channel) and BatchNormalization in its inference form.
import { attrFloat, attrInt, input, norm, one, type OpContext, type OpImpl, type Tensor } from './op-context.ts';
import type { TF } from './tf-backend.ts';

/** (x − mean) / sqrt(var + ε) over `axes` (biased variance, as ONNX defines it). */
function standardize(tf: TF, x: Tensor, axes: number[], eps: number): Tensor {
  const mean = tf.mean(x, axes, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axes, true);
  return tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
}

/** A per-channel vector [C] shaped to broadcast against [N, C, d1, …] (rank `rank`). */
function perChannel(tf: TF, v: Tensor, rank: number): Tensor {
  return tf.reshape(v, [v.size, ...new Array<number>(Math.max(rank - 2, 0)).fill(1)]);
}

function groupNormalization(ctx: OpContext): Tensor {
  const { tf } = ctx;
  const x = input(ctx, 0);
  const groups = attrInt(ctx.node, 'num_groups', 0);
  const [n, c] = x.shape;
  if (groups <= 0 || c % groups !== 0)
    throw new Error(`GroupNormalization '${ctx.node.name}': ${c} channels do not split into ${groups} groups`);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const grouped = standardize(tf, tf.reshape(x, [n, groups, -1]), [2], eps);
  const scale = input(ctx, 1);
  const bias = input(ctx, 2);
  if (ctx.opset < 21) {
    // opset 18: one scale and bias per group
    const y = tf.add(tf.mul(grouped, tf.reshape(scale, [1, groups, 1])), tf.reshape(bias, [1, groups, 1]));
    return tf.reshape(y, x.shape);
  }
  const y = tf.reshape(grouped, x.shape);
  return tf.add(tf.mul(y, perChannel(tf, scale, x.rank)), perChannel(tf, bias, x.rank));
}

export const NORM_OPS: Record<string, OpImpl> = {
  // over the axes from `axis` to the last (opset 17)
  LayerNormalization: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', -1), x.rank);
    const axes = x.shape.slice(axis).map((_, i) => axis + i);
    let y = tf.mul(standardize(tf, x, axes, attrFloat(ctx.node, 'epsilon', 1e-5)), input(ctx, 1));
    const b = ctx.inputs[2];
    if (b) y = tf.add(y, b.tensor);
    return one(y);
  },

  // per sample and channel over the spatial axes, then scale and bias per channel
  InstanceNormalization: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axes = x.shape.slice(2).map((_, i) => i + 2);
    const y = standardize(tf, x, axes, attrFloat(ctx.node, 'epsilon', 1e-5));
    return one(tf.add(tf.mul(y, perChannel(tf, input(ctx, 1), x.rank)), perChannel(tf, input(ctx, 2), x.rank)));
  },

  GroupNormalization: (ctx) => one(groupNormalization(ctx)),

  // inference form: the running mean and variance are inputs
  BatchNormalization: (ctx) => {
    const { tf } = ctx;
    if (attrInt(ctx.node, 'training_mode', 0) === 1)
      throw new Error(`BatchNormalization '${ctx.node.name}': training mode is not supported`);
    const x = input(ctx, 0);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => perChannel(tf, input(ctx, i), x.rank));
    const inv = tf.rsqrt(tf.add(variance, attrFloat(ctx.node, 'epsilon', 1e-5)));
    return one(tf.add(tf.mul(tf.mul(tf.sub(x, mean), inv), scale), bias));
  },
};
