// Pooling: AveragePool and MaxPool (strides, pads, auto_pad, dilations, ceil_mode, count_include_pad) as a
// reduction over the kernel's window offsets, each a strided view of the padded input; GlobalAveragePool and
// GlobalMaxPool as reductions. Built from slices and reshapes only, so tfjs differentiates them on any backend.
import { convOutput, convPads, type AutoPad, type ConvWindow } from './conv-geometry.ts';
import { padTensor } from './pad-op.ts';
import { attrInt, attrInts, attrString, input, one, type OpContext, type OpImpl, type Tensor } from './op-context.ts';
import type { TF } from './tf-backend.ts';

/** Every window offset (k₀·d₀, k₁·d₁, …) of a kernel. */
function offsets(kernel: number[], dilations: number[]): number[][] {
  let out: number[][] = [[]];
  kernel.forEach((k, i) => {
    out = out.flatMap((o) => Array.from({ length: k }, (_, j) => [...o, j * dilations[i]]));
  });
  return out;
}

/** x[…, off + j·stride, …] for j < out along each spatial axis (x is padded far enough for the reshape). */
function stridedView(tf: TF, x: Tensor, off: number[], strides: number[], out: number[]): Tensor {
  let y = x;
  off.forEach((o, i) => {
    const axis = i + 2;
    const begin = y.shape.map(() => 0);
    const size = [...y.shape];
    begin[axis] = o;
    size[axis] = out[i] * strides[i];
    y = tf.slice(y, begin, size);
    if (strides[i] > 1) {
      const split = [...y.shape.slice(0, axis), out[i], strides[i], ...y.shape.slice(axis + 1)];
      const b = split.map(() => 0);
      const s = [...split];
      s[axis + 1] = 1;
      y = tf.reshape(tf.slice(tf.reshape(y, split), b, s), [
        ...y.shape.slice(0, axis),
        out[i],
        ...y.shape.slice(axis + 1),
      ]);
    }
  });
  return y;
}

/** For one axis: how many elements of each output window count (inside [lo, hi) of the unpadded axis). */
export function windowCounts(
  out: number,
  stride: number,
  kernel: number,
  dilation: number,
  padBegin: number,
  lo: number,
  hi: number,
): number[] {
  return Array.from({ length: out }, (_, j) => {
    let n = 0;
    for (let k = 0; k < kernel; k++) {
      const at = j * stride + k * dilation - padBegin;
      if (at >= lo && at < hi) n++;
    }
    return n;
  });
}

interface Pooling {
  window: ConvWindow;
  out: number[];
  /** the pads applied: the given ones, widened at the end for ceil_mode and the strided views */
  applied: number[];
}

function pooling(ctx: OpContext, x: Tensor): Pooling {
  const kernel = attrInts(ctx.node, 'kernel_shape')!;
  const r = kernel.length;
  const ones = new Array<number>(r).fill(1);
  const given = (name: string) => {
    const v = attrInts(ctx.node, name);
    return v && v.length ? v : ones;
  };
  const strides = given('strides');
  const dilations = given('dilations');
  const spatial = x.shape.slice(2);
  const pads = convPads(
    spatial,
    kernel,
    strides,
    dilations,
    attrString(ctx.node, 'auto_pad', 'NOTSET') as AutoPad,
    attrInts(ctx.node, 'pads'),
  );
  const window = { kernel, strides, dilations, pads };
  const out = convOutput(spatial, window, attrInt(ctx.node, 'ceil_mode', 0) === 1);
  const applied = [...pads];
  spatial.forEach((s, i) => {
    const need = (kernel[i] - 1) * dilations[i] + out[i] * strides[i];
    applied[i + r] = Math.max(pads[i + r], need - s - pads[i]);
  });
  return { window, out, applied };
}

function pool(ctx: OpContext, kind: 'max' | 'avg'): Tensor {
  const { tf } = ctx;
  const x = input(ctx, 0);
  const p = pooling(ctx, x);
  const r = p.out.length;
  const padded = padTensor(
    tf,
    x,
    [0, 0, ...p.applied.slice(0, r), 0, 0, ...p.applied.slice(r)],
    'constant',
    kind === 'max' ? -Infinity : 0,
  );
  const views = offsets(p.window.kernel, p.window.dilations).map((off) =>
    stridedView(tf, padded, off, p.window.strides, p.out),
  );
  if (kind === 'max') return views.reduce((a, b) => tf.maximum(a, b));
  const sum = views.length === 1 ? views[0] : tf.addN(views);
  // the divisor: the window's elements inside the input (count_include_pad = 0) or inside the given pads
  const include = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const spatial = x.shape.slice(2);
  const counts = p.out.map((o, i) => {
    const w = p.window;
    return include
      ? windowCounts(o, w.strides[i], w.kernel[i], w.dilations[i], w.pads[i], -w.pads[i], spatial[i] + w.pads[i + r])
      : windowCounts(o, w.strides[i], w.kernel[i], w.dilations[i], w.pads[i], 0, spatial[i]);
  });
  let divisor: number[] = [1];
  for (const c of counts) divisor = divisor.flatMap((d) => c.map((v) => d * v));
  return tf.div(sum, tf.tensor(divisor, p.out, 'float32'));
}

export const POOL_OPS: Record<string, OpImpl> = {
  MaxPool: (ctx) => {
    if (ctx.node.output.length > 1 && ctx.node.output[1] !== '')
      throw new Error(`MaxPool '${ctx.node.name}': the Indices output is not supported`);
    return one(pool(ctx, 'max'));
  },
  AveragePool: (ctx) => one(pool(ctx, 'avg')),
  GlobalAveragePool: (ctx) => {
    const x = input(ctx, 0);
    return one(
      ctx.tf.mean(
        x,
        x.shape.slice(2).map((_, i) => i + 2),
        true,
      ),
    );
  },
  GlobalMaxPool: (ctx) => {
    const x = input(ctx, 0);
    return one(
      ctx.tf.max(
        x,
        x.shape.slice(2).map((_, i) => i + 2),
        true,
      ),
    );
  },
};
