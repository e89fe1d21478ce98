// ONNX operators that move data without arithmetic: reshapes, transposes, slices, gathers, casts.
// Axes and split sizes follow the model's opset (attributes before opset 13, inputs from it on).
import { DataType } from '../../onnx/onnx-proto.ts';
import { installSegmentSum } from './segment-sum-kernel.ts';
import { attrInt, attrInts, axesOf, input, ints, norm, one, toTfDtype, type OpImpl, type Value } from './op-context.ts';

function reshapeTarget(shape: number[], inShape: number[], allowZero: boolean): number[] {
  return shape.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
}

function sliceInts(src: number[], begin: number, end: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) for (let i = begin; i < end; i += step) out.push(src[i]);
  else for (let i = begin; i > end; i += step) out.push(src[i]);
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Split sizes: the `split` attribute (< 13) or input 1 (≥ 13), else `num_outputs` (≥ 18) or the output count. */
function splitSizes(dim: number, given: number[] | undefined, parts: number): number[] {
  if (given && given.length > 0) return given;
  const size = Math.ceil(dim / parts);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, dim - i * size)));
}

export const SHAPE_OPS: Record<string, OpImpl> = {
  Identity: (ctx) => [ctx.inputs[0]!],

  // inference: the input unchanged, and an all-true mask when asked for
  Dropout: (ctx) => {
    const v = ctx.inputs[0]!;
    return ctx.node.output.length > 1 && ctx.node.output[1] !== ''
      ? [v, { tensor: ctx.tf.onesLike(v.tensor).cast('bool') }]
      : [v];
  },

  Reshape: (ctx) => {
    const x = input(ctx, 0);
    const shape = reshapeTarget(ints(ctx, 1)!, x.shape, attrInt(ctx.node, 'allowzero', 0) === 1);
    return one(ctx.tf.reshape(x, shape), ctx.inputs[0]!.ints);
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
    return one(
      ctx.tf.concat(
        xs.map((v) => v.tensor),
        axis,
      ),
      axis === 0 ? allInts : undefined,
    );
  },

  Unsqueeze: (ctx) => {
    const x = input(ctx, 0);
    const given = axesOf(ctx, 13, 1)!;
    const outRank = x.rank + given.length;
    const axes = given.map((a) => norm(a, outRank));
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < outRank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
    return one(ctx.tf.reshape(x, shape), ctx.inputs[0]!.ints);
  },

  Squeeze: (ctx) => {
    const x = input(ctx, 0);
    const given = axesOf(ctx, 13, 1);
    const axes =
      given && given.length > 0 ? given.map((a) => norm(a, x.rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    return one(
      ctx.tf.reshape(
        x,
        x.shape.filter((_, i) => !axes.includes(i)),
      ),
      ctx.inputs[0]!.ints,
    );
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
    const { tf } = ctx;
    // unit steps as one slice; other steps gather their indices (tfjs's strided slice has no gradient)
    const size = end.map((e, i) => (stride[i] === 1 ? Math.max(0, e - begin[i]) : x.shape[i]));
    let y = tf.slice(
      x,
      begin.map((b, i) => (stride[i] === 1 ? b : 0)),
      size,
    );
    stride.forEach((s, i) => {
      if (s !== 1) y = tf.gather(y, tf.tensor1d(sliceInts(range(x.shape[i]), begin[i], end[i], s), 'int32'), i);
    });
    if (stride.some((s) => s !== 1) && x.dtype === 'float32') installSegmentSum(tf);
    return one(y, staticInts);
  },

  // on a float tensor (an embedding table) the gradient scatters back into the rows gathered
  Gather: (ctx) => {
    const { tf } = ctx;
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', 0), x.rank);
    const src = ctx.inputs[0]!.ints;
    const idxValue = ctx.inputs[1]!;
    const dim = x.shape[axis];
    // negative indices count from the end
    const idxInts = idxValue.ints;
    let idx = idxValue.tensor.dtype === 'int32' ? idxValue.tensor : tf.cast(idxValue.tensor, 'int32');
    if (idxInts) {
      if (idxInts.some((i) => i < 0))
        idx = tf.tensor(
          idxInts.map((i) => (i < 0 ? i + dim : i)),
          idx.shape,
          'int32',
        );
    } else {
      idx = tf.where(tf.less(idx, 0), tf.add(idx, tf.scalar(dim, 'int32')), idx);
    }
    const staticInts = src && idxInts && x.rank === 1 ? idxInts.map((i) => src[i < 0 ? i + src.length : i]) : undefined;
    if (x.dtype === 'float32') installSegmentSum(tf);
    return one(tf.gather(x, idx, axis), staticInts);
  },

  Split: (ctx) => {
    const x = input(ctx, 0);
    const axis = norm(attrInt(ctx.node, 'axis', 0), x.rank);
    const given = ctx.opset < 13 ? attrInts(ctx.node, 'split') : ints(ctx, 1);
    const parts = ctx.opset >= 18 ? attrInt(ctx.node, 'num_outputs', ctx.node.output.length) : ctx.node.output.length;
    const sizes = splitSizes(x.shape[axis], given, parts);
    return ctx.tf.split(x, sizes, axis).map((tensor) => ({ tensor }));
  },

  Cast: (ctx) => {
    const to = toTfDtype(attrInt(ctx.node, 'to', DataType.FLOAT));
    const x = input(ctx, 0);
    const known = ctx.inputs[0]!.ints;
    if (x.dtype === to) return [ctx.inputs[0]!];
    // ONNX: any non-zero value is true (a plain tfjs cast truncates 0.5 to false on some backends)
    if (to === 'bool')
      return one(
        ctx.tf.notEqual(x, 0),
        known?.map((v) => (v !== 0 ? 1 : 0)),
      );
    // ONNX truncates toward zero when casting floats to integers
    if (to === 'int32' && x.dtype === 'float32')
      return one(ctx.tf.cast(ctx.tf.sign(x).mul(ctx.tf.floor(ctx.tf.abs(x))), 'int32'));
    return one(ctx.tf.cast(x, to), to === 'int32' ? known : undefined);
  },

  Shape: (ctx) => {
    const full = input(ctx, 0).shape;
    const start = norm(attrInt(ctx.node, 'start', 0), full.length);
    const end = norm(attrInt(ctx.node, 'end', full.length), full.length);
    const shape = full.slice(Math.max(0, start), Math.min(full.length, end));
    return one(ctx.tf.tensor1d(shape, 'int32'), shape);
  },

  Size: (ctx) => {
    const n = input(ctx, 0).size;
    return one(ctx.tf.scalar(n, 'int32'), [n]);
  },

  Expand: (ctx) => {
    const x = input(ctx, 0);
    const target = ints(ctx, 1)!;
    // numpy broadcasting of x's shape and the target
    const rank = Math.max(x.rank, target.length);
    const xs = [...Array(rank - x.rank).fill(1), ...x.shape];
    const ts = [...Array(rank - target.length).fill(1), ...target];
    return one(
      ctx.tf.broadcastTo(
        x,
        xs.map((d, i) => Math.max(d, ts[i])),
      ),
    );
  },
};
