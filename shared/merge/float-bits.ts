// Exact conversions between float64 and the 16-bit float formats, on bit patterns.
// IEEE 754 binary16 (F16: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (BF16: the top 16 bits of a
// binary32). Rounding is to nearest, ties to even, done once from the float64 value: the float64 is first
// rounded to binary32 with round-to-odd (exact for a later rounding to ≤ 21 mantissa bits), then to 16 bits.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decoded value of every F16 bit pattern. */
export const F16_TABLE: Float32Array = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 31) t[h] = m ? NaN : s * Infinity;
    else t[h] = s * (1024 + m) * 2 ** (e - 25);
  }
  return t;
})();

export function f16ToNumber(h: number): number {
  return F16_TABLE[h & 0xffff];
}

export function bf16ToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** float64 → binary32 bits, rounding to odd: the result's last bit records whether anything was lost. */
export function f32BitsRoundToOdd(x: number): number {
  f32[0] = x;
  let bits = u32[0];
  const f = f32[0];
  // nearest rounding lost something and landed on an even pattern: step to the odd neighbour on x's side
  if (f !== x && (bits & 1) === 0 && x === x) bits += Math.abs(f) > Math.abs(x) ? -1 : 1;
  return bits >>> 0;
}

/** binary32 bits → binary16 bits, round to nearest even (NaN stays NaN, quiet). */
export function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // binary16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal (or zero) in binary16: units of 2^-24
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is right (up to ∞)
  return sign | h;
}

/** binary32 bits → bfloat16 bits, round to nearest even (NaN stays NaN, quiet). */
export function f32BitsToBf16(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float64 → F16 bits, round to nearest even. */
export function numberToF16(x: number): number {
  return f32BitsToF16(f32BitsRoundToOdd(x));
}

/** float64 → BF16 bits, round to nearest even. */
export function numberToBf16(x: number): number {
  return f32BitsToBf16(f32BitsRoundToOdd(x));
}
