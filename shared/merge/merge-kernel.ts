// The merge of one chunk of a tensor: θneon = (1+w)·θr − w·θs (Neon, eq. 3), each element computed in float64
// from the base (θr) and self-trained (θs) values and rounded once to the base's dtype (round to nearest even).
// Elements where either input is not finite keep the base's bits. Several w at once: the chunk is decoded once.
// Buffers must be aligned to their element size (the streaming driver's own buffers are). The in-memory
// reference of the same formula is shared/neon/neon-merge.ts (neon-merge.test.ts compares the two).
import type { FloatDtype } from '../safetensors/dtype.ts';
import { F16_TABLE, f32BitsToF16 } from './float-bits.ts';

// The 16-bit kernels work on fixed module-level blocks: V8 then treats the arrays as constants (no reloading
// of their data pointers and lengths inside the loop), about twice as fast as on arrays passed in. Input is copied
// into the block, merged, and the block copied out (memcpy speed).
const BLOCK = 1 << 20;
const X = new Uint16Array(BLOCK);
const Y = new Uint16Array(BLOCK);
const O = new Uint16Array(BLOCK);
const FA = new Float32Array(BLOCK);
const FB = new Float32Array(BLOCK);
const UA = new Uint32Array(FA.buffer);
const UB = new Uint32Array(FB.buffer);
const T16 = F16_TABLE;

const one = new Float32Array(1);
const oneBits = new Uint32Array(one.buffer);

function view<T>(Ctor: new (b: ArrayBufferLike, o: number, n: number) => T, u: Uint8Array, size: number): T {
  if (u.byteOffset % size !== 0) throw new Error(`merge kernel: buffer not aligned to ${size} bytes`);
  return new Ctor(u.buffer, u.byteOffset, Math.floor(u.byteLength / size));
}

/**
 * Merges `length` bytes of `base` and `self` (dtype `dtype`) into `outs[k]` for each `ws[k]`.
 * `length` must be a multiple of the element size.
 */
export function mergeChunk(
  dtype: FloatDtype,
  base: Uint8Array,
  self: Uint8Array,
  length: number,
  ws: readonly number[],
  outs: readonly Uint8Array[],
): void {
  const b = base.subarray(0, length);
  const s = self.subarray(0, length);
  switch (dtype) {
    case 'F64':
      return mergeF64(b, s, ws, outs);
    case 'F32':
      return mergeF32(b, s, ws, outs);
    case 'F16':
      return merge16(b, s, ws, outs, decodeF16Block, mergeF16Block);
    case 'BF16':
      return merge16(b, s, ws, outs, decodeBF16Block, mergeBF16Block);
  }
}

function mergeF64(base: Uint8Array, self: Uint8Array, ws: readonly number[], outs: readonly Uint8Array[]): void {
  const x = view(Float64Array, base, 8);
  const y = view(Float64Array, self, 8);
  const xb = view(Uint32Array, base, 4);
  const n = x.length;
  for (let k = 0; k < ws.length; k++) {
    const w = ws[k];
    const a = 1 + w;
    const o = view(Float64Array, outs[k], 8);
    const ob = view(Uint32Array, outs[k], 4);
    for (let i = 0; i < n; i++) {
      const p = x[i];
      const q = y[i];
      if (p - p === 0 && q - q === 0) o[i] = a * p - w * q;
      else {
        ob[2 * i] = xb[2 * i];
        ob[2 * i + 1] = xb[2 * i + 1];
      }
    }
  }
}

function mergeF32(base: Uint8Array, self: Uint8Array, ws: readonly number[], outs: readonly Uint8Array[]): void {
  const x = view(Float32Array, base, 4);
  const y = view(Float32Array, self, 4);
  const xb = view(Uint32Array, base, 4);
  const yb = view(Uint32Array, self, 4);
  const n = x.length;
  for (let k = 0; k < ws.length; k++) {
    const w = ws[k];
    const a = 1 + w;
    const o = view(Float32Array, outs[k], 4);
    const ob = view(Uint32Array, outs[k], 4);
    for (let i = 0; i < n; i++) {
      const pb = xb[i];
      if ((pb & 0x7f800000) !== 0x7f800000 && (yb[i] & 0x7f800000) !== 0x7f800000) o[i] = a * x[i] - w * y[i];
      else ob[i] = pb;
    }
  }
}

/** Blocks of 16-bit elements: decode both inputs once, then one merged block per w. */
function merge16(
  base: Uint8Array,
  self: Uint8Array,
  ws: readonly number[],
  outs: readonly Uint8Array[],
  decode: (m: number) => void,
  merge: (w: number, m: number) => void,
): void {
  const x = view(Uint16Array, base, 2);
  const y = view(Uint16Array, self, 2);
  const o = outs.map((u) => view(Uint16Array, u, 2));
  const n = x.length;
  for (let off = 0; off < n; off += BLOCK) {
    const m = Math.min(BLOCK, n - off);
    X.set(x.subarray(off, off + m));
    Y.set(y.subarray(off, off + m));
    decode(m);
    for (let k = 0; k < ws.length; k++) {
      merge(ws[k], m);
      o[k].set(m === BLOCK ? O : O.subarray(0, m), off);
    }
  }
}

function decodeF16Block(m: number): void {
  for (let i = 0; i < m; i++) {
    FA[i] = T16[X[i]];
    FB[i] = T16[Y[i]];
  }
}

function mergeF16Block(w: number, m: number): void {
  const a = 1 + w;
  for (let i = 0; i < m; i++) {
    const p = X[i];
    if ((p & 0x7c00) === 0x7c00 || (Y[i] & 0x7c00) === 0x7c00) {
      O[i] = p;
      continue;
    }
    const r = a * FA[i] - w * FB[i];
    // float64 → binary32 rounding to odd, then binary32 → binary16 to nearest even (see float-bits.ts)
    one[0] = r;
    let bits = oneBits[0];
    const f = one[0];
    if (f !== r && (bits & 1) === 0) bits += Math.abs(f) > Math.abs(r) ? -1 : 1;
    // normal binary16 range [2^-14, 2^16): rebias and round in one integer step (a carry may reach ∞, correctly)
    const abs = bits & 0x7fffffff;
    if (abs >= 0x38800000 && abs < 0x47800000)
      O[i] = ((bits >>> 16) & 0x8000) | (((abs + 0x0fff + ((abs >>> 13) & 1)) >>> 13) - 0x1c000);
    else O[i] = f32BitsToF16(bits >>> 0);
  }
}

function decodeBF16Block(m: number): void {
  // a bfloat16 is the top half of a binary32: decoding is a shift
  for (let i = 0; i < m; i++) {
    UA[i] = X[i] << 16;
    UB[i] = Y[i] << 16;
  }
}

function mergeBF16Block(w: number, m: number): void {
  const a = 1 + w;
  for (let i = 0; i < m; i++) {
    const p = X[i];
    if ((p & 0x7f80) === 0x7f80 || (Y[i] & 0x7f80) === 0x7f80) {
      O[i] = p;
      continue;
    }
    const r = a * FA[i] - w * FB[i];
    // float64 → binary32 rounding to odd, then binary32 → bfloat16 to nearest even (r is finite: both inputs are)
    one[0] = r;
    let bits = oneBits[0];
    const f = one[0];
    if (f !== r && (bits & 1) === 0) bits += Math.abs(f) > Math.abs(r) ? -1 : 1;
    O[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  }
}
