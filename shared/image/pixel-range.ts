// Pixels ↔ network values: uint8 p ∈ [0, 255] maps linearly onto [lo, hi] (usually [−1, 1]) and back,
// rounding to the nearest byte and clamping.

export function pixelsToRange(
  p: Uint8Array,
  range: readonly [number, number] = [-1, 1],
  out = new Float32Array(p.length),
): Float32Array {
  const [lo, hi] = range;
  const s = (hi - lo) / 255;
  for (let i = 0; i < p.length; i++) out[i] = lo + p[i] * s;
  return out;
}

export function rangeToPixels(x: Float32Array, range: readonly [number, number] = [-1, 1]): Uint8Array {
  const [lo, hi] = range;
  const s = 255 / (hi - lo);
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round((x[i] - lo) * s);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
