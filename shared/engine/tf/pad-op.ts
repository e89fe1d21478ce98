// Pad (constant, reflect, edge, wrap) from slices, reversals and concatenations, so that its gradient is
// exact in every mode (tfjs's mirrorPad gradient drops the reflected contributions).
import {
  attrFloat,
  attrInts,
  attrString,
  input,
  ints,
  norm,
  one,
  scalarInput,
  type OpImpl,
  type Tensor,
} from './op-context.ts';
import type { TF } from './tf-backend.ts';

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

function sliceAxis(tf: TF, x: Tensor, axis: number, begin: number, size: number): Tensor {
  const b = x.shape.map(() => 0);
  const s = [...x.shape];
  b[axis] = begin;
  s[axis] = size;
  return tf.slice(x, b, s);
}

/** x padded by `pads` ([begin per axis…, end per axis…]; negative pads crop). */
export function padTensor(tf: TF, x: Tensor, pads: number[], mode: PadMode, value = 0): Tensor {
  const r = x.rank;
  let y = x;
  // negative pads crop first
  for (let i = 0; i < r; i++) {
    const [b, e] = [pads[i], pads[i + r]];
    if (b < 0 || e < 0) y = sliceAxis(tf, y, i, Math.max(-b, 0), y.shape[i] - Math.max(-b, 0) - Math.max(-e, 0));
  }
  const before = pads.slice(0, r).map((p) => Math.max(p, 0));
  const after = pads.slice(r).map((p) => Math.max(p, 0));
  if (mode === 'constant')
    return before.some((p) => p > 0) || after.some((p) => p > 0)
      ? tf.pad(
          y,
          before.map((b, i) => [b, after[i]]),
          value,
        )
      : y;
  for (let i = 0; i < r; i++) {
    const [b, e] = [before[i], after[i]];
    if (b === 0 && e === 0) continue;
    const n = y.shape[i];
    const parts: Tensor[] = [];
    if (mode === 'reflect') {
      if (b >= n || e >= n) throw new Error(`Pad reflect: pads ${b}, ${e} must be smaller than the axis (${n})`);
      if (b > 0) parts.push(tf.reverse(sliceAxis(tf, y, i, 1, b), i));
      parts.push(y);
      if (e > 0) parts.push(tf.reverse(sliceAxis(tf, y, i, n - 1 - e, e), i));
    } else if (mode === 'edge') {
      const reps = (k: number) => y.shape.map((_, j) => (j === i ? k : 1));
      if (b > 0) parts.push(tf.tile(sliceAxis(tf, y, i, 0, 1), reps(b)));
      parts.push(y);
      if (e > 0) parts.push(tf.tile(sliceAxis(tf, y, i, n - 1, 1), reps(e)));
    } else {
      if (b > n || e > n) throw new Error(`Pad wrap: pads ${b}, ${e} exceed the axis (${n})`);
      if (b > 0) parts.push(sliceAxis(tf, y, i, n - b, b));
      parts.push(y);
      if (e > 0) parts.push(sliceAxis(tf, y, i, 0, e));
    }
    y = tf.concat(parts, i);
  }
  return y;
}

export const PAD_OPS: Record<string, OpImpl> = {
  // pads and the constant are inputs from opset 11, axes (input 3) from 18
  Pad: (ctx) => {
    const x = input(ctx, 0);
    const mode = attrString(ctx.node, 'mode', 'constant') as PadMode;
    const r = x.rank;
    let pads: number[];
    let value: number;
    if (ctx.opset < 11) {
      pads = attrInts(ctx.node, 'pads') ?? [];
      value = attrFloat(ctx.node, 'value', 0);
    } else {
      const given = ints(ctx, 1)!;
      value = scalarInput(ctx, 2) ?? 0;
      const axes = ctx.inputs[3] ? ints(ctx, 3)!.map((a) => norm(a, r)) : undefined;
      if (axes) {
        pads = new Array<number>(2 * r).fill(0);
        axes.forEach((a, k) => {
          pads[a] = given[k];
          pads[a + r] = given[k + axes.length];
        });
      } else pads = given;
    }
    return one(padTensor(ctx.tf, x, pads, mode, value));
  },
};
