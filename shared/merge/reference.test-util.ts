// Test helpers: an independent float64 reference for the merge, rounding by search over every representable
// value (not by bit tricks), and a seeded PRNG.

/** xorshift32: deterministic pseudo-random u32 stream. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function decodeF16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decodeBf16(b: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, (b & 0xffff) << 16);
  return dv.getFloat32(0);
}

/** Round-to-nearest-even by binary search over the sorted non-negative finite values of a 16-bit format. */
function rounder(
  decode: (bits: number) => number,
  maxFinite: number,
  signBit: number,
  infBits: number,
): (x: number) => number {
  const vals = Float64Array.from({ length: maxFinite + 1 }, (_, i) => decode(i));
  const top = vals[maxFinite];
  const threshold = top + (top - vals[maxFinite - 1]) / 2; // halfway to the next power of two: ties go to ∞ (even)
  return (x: number) => {
    if (Number.isNaN(x)) throw new Error('reference: NaN result');
    const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
    const a = Math.abs(x);
    if (a >= threshold) return sign | infBits;
    let lo = 0;
    let hi = maxFinite;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (vals[mid] <= a) lo = mid;
      else hi = mid - 1;
    }
    if (lo === maxFinite) return sign | lo;
    const dLo = a - vals[lo];
    const dHi = vals[lo + 1] - a;
    const pick = dLo < dHi ? lo : dHi < dLo ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
    return sign | pick;
  };
}

export const refToF16 = rounder(decodeF16, 0x7bff, 0x8000, 0x7c00);
export const refToBf16 = rounder(decodeBf16, 0x7f7f, 0x8000, 0x7f80);
export { decodeF16 as refF16, decodeBf16 as refBf16 };

/** The reference merge of one element in float64: (1+w)·base − w·self (Neon, eq. 3). */
export function refMerge(b: number, s: number, w: number): number {
  return (1 + w) * b - w * s;
}
