// Classifier-free guidance (Ho & Salimans 2022, eq. 6 written for any prediction):
//   f̃(x, c) = f(x, ∅) + s·(f(x, c) − f(x, ∅))
// with the conditional and unconditional rows run in ONE batched network call. s = 1 is the conditional
// prediction; rows labelled with the null class are unconditional whatever s is.

/**
 * The network on n rows: inputs x (n·dim), noise conditioning t (n) and labels y (n); output n·outDim. With
 * `handOver` the caller gives x away (it built x for this call and will not read it again), so the call may move
 * it instead of copying it.
 */
export type NetCall = (
  x: Float32Array,
  t: Float32Array,
  y: Int32Array,
  n: number,
  handOver?: boolean,
) => Promise<Float32Array>;

export interface GuidanceOptions {
  /** Run the 2n-row call even when no row needs the unconditional half (tests). */
  alwaysBatch?: boolean;
  /** The caller gives x away (see NetCall); the doubled rows built here are always handed over. */
  handOver?: boolean;
}

/** f(x, c) + (s − 1)·(f(x, c) − f(x, ∅)) as one call on 2n rows (or n rows when no row needs the second half). */
export async function guidedCall(
  net: NetCall,
  x: Float32Array,
  t: Float32Array,
  y: Int32Array,
  n: number,
  s: number,
  nullClass: number,
  opts: GuidanceOptions = {},
): Promise<Float32Array> {
  const { cond, uncond } = await condAndUncond(net, x, t, y, n, s, nullClass, opts);
  return uncond ? cfgCombine(cond, uncond, s) : cond;
}

/**
 * The two predictions guidance combines, f(x, c) and f(x, ∅), from one call on 2n rows; `uncond` is absent when
 * no row needs it (s = 1, or every row unconditional). For callers that combine only part of the output.
 */
export async function condAndUncond(
  net: NetCall,
  x: Float32Array,
  t: Float32Array,
  y: Int32Array,
  n: number,
  s: number,
  nullClass: number,
  opts: GuidanceOptions = {},
): Promise<{ cond: Float32Array; uncond?: Float32Array }> {
  const needsUncond = opts.alwaysBatch || (s !== 1 && y.some((c) => c !== nullClass));
  if (!needsUncond) return { cond: await net(x, t, y, n, opts.handOver) };
  const x2 = new Float32Array(2 * x.length);
  x2.set(x);
  x2.set(x, x.length);
  const t2 = new Float32Array(2 * n);
  t2.set(t);
  t2.set(t, n);
  const y2 = new Int32Array(2 * n).fill(nullClass);
  y2.set(y);
  const out = await net(x2, t2, y2, 2 * n, true);
  const outDim = out.length / (2 * n);
  return { cond: out.subarray(0, n * outDim), uncond: out.subarray(n * outDim) };
}

/** f_u + s·(f_c − f_u), elementwise. */
export function cfgCombine(cond: Float32Array, uncond: Float32Array, s: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + s * (cond[i] - uncond[i]);
  return out;
}
