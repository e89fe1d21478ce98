// Resize (nearest and linear; coordinate modes half_pixel, pytorch_half_pixel, align_corners, asymmetric,
// tf_half_pixel_for_nn; `scales` or `sizes`; opset 18's `axes`) as one interpolation matrix per resized axis,
// applied as a matrix product: exact in both directions (the gradient is the transposed matrix) and native speed.
import {
  attrInts,
  attrString,
  input,
  ints,
  norm,
  one,
  axisLastPerm,
  inversePerm,
  type OpImpl,
  type Tensor,
} from './op-context.ts';
import type { TF } from './tf-backend.ts';

export type CoordinateMode =
  | 'half_pixel'
  | 'pytorch_half_pixel'
  | 'align_corners'
  | 'asymmetric'
  | 'tf_half_pixel_for_nn';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

const f = Math.fround;

/** The input coordinate an output index maps to (in float32 arithmetic, as onnxruntime computes it). */
export function sourceCoordinate(
  x: number,
  scale: number,
  outSize: number,
  inSize: number,
  mode: CoordinateMode,
): number {
  switch (mode) {
    case 'half_pixel':
      return f(f(f(x + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel':
      return outSize > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outSize === 1 ? 0 : f(f(x * f(inSize - 1)) / f(outSize - 1));
    case 'asymmetric':
      return f(x / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(x + 0.5) / scale);
  }
}

function nearestIndex(c: number, mode: NearestMode): number {
  switch (mode) {
    case 'round_prefer_floor':
      return c === Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c);
    case 'round_prefer_ceil':
      return Math.round(c);
    case 'floor':
      return Math.floor(c);
    case 'ceil':
      return Math.ceil(c);
  }
}

/** The [out × in] matrix M with y = M·x along one axis. */
export function interpolationMatrix(
  inSize: number,
  outSize: number,
  scale: number,
  mode: 'nearest' | 'linear',
  coord: CoordinateMode,
  nearest: NearestMode,
): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const c = sourceCoordinate(o, scale, outSize, inSize, coord);
    if (mode === 'nearest') {
      const i = Math.min(Math.max(nearestIndex(c, nearest), 0), inSize - 1);
      m[o * inSize + i] = 1;
      continue;
    }
    const x = Math.min(Math.max(c, 0), inSize - 1);
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const w1 = f(x - i0);
    m[o * inSize + i0] += f(1 - w1);
    m[o * inSize + i1] += w1;
  }
  return m;
}

/** y = M·x along `axis` (M is [out × in]). */
function applyAlongAxis(tf: TF, x: Tensor, axis: number, m: Float32Array, outSize: number): Tensor {
  const inSize = x.shape[axis];
  const mt = tf.transpose(tf.tensor2d(m, [outSize, inSize]));
  const last = axis === x.rank - 1;
  const perm = axisLastPerm(x.rank, axis);
  const moved = last ? x : tf.transpose(x, perm);
  const flat = tf.reshape(moved, [-1, inSize]);
  const y = tf.reshape(tf.matMul(flat, mt), [...moved.shape.slice(0, -1), outSize]);
  return last ? y : tf.transpose(y, inversePerm(perm));
}

export const RESIZE_OPS: Record<string, OpImpl> = {
  Resize: (ctx) => {
    const { tf, node } = ctx;
    const x = input(ctx, 0);
    const mode = attrString(node, 'mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear')
      throw new Error(`Resize '${node.name}': mode '${mode}' is not supported (nearest, linear)`);
    const coord = attrString(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode;
    if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'].includes(coord))
      throw new Error(`Resize '${node.name}': coordinate mode '${coord}' is not supported`);
    const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor') as NearestMode;
    if ((node.attribute.find((a) => a.name === 'antialias')?.i ?? 0) !== 0)
      throw new Error(`Resize '${node.name}': antialias is not supported`);
    if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch')
      throw new Error(`Resize '${node.name}': only keep_aspect_ratio_policy 'stretch' is supported`);
    const axes =
      (ctx.opset >= 18 ? attrInts(node, 'axes') : undefined)?.map((a) => norm(a, x.rank)) ?? x.shape.map((_, i) => i);
    const scalesIn =
      ctx.inputs[2] && ctx.inputs[2].tensor.size > 0 ? Array.from(ctx.inputs[2].tensor.dataSync()) : undefined;
    const sizesIn = ctx.inputs[3] && ctx.inputs[3].tensor.size > 0 ? ints(ctx, 3) : undefined;
    if (!scalesIn && !sizesIn) throw new Error(`Resize '${node.name}': neither scales nor sizes given`);
    let y = x;
    axes.forEach((axis, k) => {
      const inSize = x.shape[axis];
      const outSize = sizesIn ? sizesIn[k] : Math.floor(f(inSize * scalesIn![k]));
      const scale = sizesIn ? f(outSize / inSize) : f(scalesIn![k]);
      if (outSize === inSize && scale === 1) return;
      y = applyAlongAxis(tf, y, axis, interpolationMatrix(inSize, outSize, scale, mode, coord, nearest), outSize);
    });
    return one(y);
  },
};
