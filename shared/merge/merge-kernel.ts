// The merge of one chunk of a tensor: θneon = (1+w)·θr − w·θs (Neon, eq. 3), each element computed in float64
// from the base (θr) and self-trained (θs) values and rounded once to the base's dtype (round to nearest even).
// Elements where either input is not finite keep the base's bits. Several w at once: the chunk is decoded once.
// Buffers must be aligned to their element size (the streaming driver's own buffers are).
import type { FloatDtype } from '../safetensors/dtype.ts';
import { F16_TABLE, f32BitsToF16 } from './float-bits.ts';

/** Reusable decode buffers for one chunk size (no allocation per element or per chunk). */
export class KernelScratch {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly ua: Uint32Array;
  readonly ub: Uint32Array;
  constructor(readonly maxElements: number) {
    this.a = new Float32Array(maxElements);
    this.b = new Float32Array(maxElements);
    this.ua = new Uint32Array(this.a.buffer);
    this.ub = new Uint32Array(this.b.buffer);
  }
}

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
export function mergeChunk(dtype: FloatDtype, base: Uint8Array, self: Uint8Array, length: number, ws: readonly number[], outs: readonly Uint8Array[], scratch?: KernelScratch): void {
  const b = base.subarray(0, length);
  const s = self.subarray(0, length);
  switch (dtype) {
    case 'F64': return mergeF64(b, s, ws, outs);
    case 'F32': return mergeF32(b, s, ws, outs);
    case 'F16': return mergeF16(b, s, ws, outs, scratch);
    case 'BF16': return mergeBF16(b, s, ws, outs, scratch);
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

function mergeF16(base: Uint8Array, self: Uint8Array, ws: readonly number[], outs: readonly Uint8Array[], scratch?: KernelScratch): void {
  const x = view(Uint16Array, base, 2);
  const y = view(Uint16Array, self, 2);
  const n = x.length;
  const sc = scratch && scratch.maxElements >= n ? scratch : new KernelScratch(n);
  const fa = sc.a;
  const fb = sc.b;
  const T = F16_TABLE;
  for (let i = 0; i < n; i++) {
    fa[i] = T[x[i]];
    fb[i] = T[y[i]];
  }
  for (let k = 0; k < ws.length; k++) {
    const w = ws[k];
    const a = 1 + w;
    const o = view(Uint16Array, outs[k], 2);
    for (let i = 0; i < n; i++) {
      const p = x[i];
      if ((p & 0x7c00) === 0x7c00 || (y[i] & 0x7c00) === 0x7c00) {
        o[i] = p;
        continue;
      }
      const r = a * fa[i] - w * fb[i];
      // float64 → binary32 rounding to odd, then binary32 → binary16 to nearest even (see float-bits.ts)
      one[0] = r;
      let bits = oneBits[0];
      const f = one[0];
      if (f !== r && (bits & 1) === 0) bits += Math.abs(f) > Math.abs(r) ? -1 : 1;
      o[i] = f32BitsToF16(bits >>> 0);
    }
  }
}

function mergeBF16(base: Uint8Array, self: Uint8Array, ws: readonly number[], outs: readonly Uint8Array[], scratch?: KernelScratch): void {
  const x = view(Uint16Array, base, 2);
  const y = view(Uint16Array, self, 2);
  const n = x.length;
  const sc = scratch && scratch.maxElements >= n ? scratch : new KernelScratch(n);
  const fa = sc.a;
  const fb = sc.b;
  const ua = sc.ua;
  const ub = sc.ub;
  // a bfloat16 is the top half of a binary32: decoding is a shift
  for (let i = 0; i < n; i++) {
    ua[i] = x[i] << 16;
    ub[i] = y[i] << 16;
  }
  for (let k = 0; k < ws.length; k++) {
    const w = ws[k];
    const a = 1 + w;
    const o = view(Uint16Array, outs[k], 2);
    for (let i = 0; i < n; i++) {
      const p = x[i];
      if ((p & 0x7f80) === 0x7f80 || (y[i] & 0x7f80) === 0x7f80) {
        o[i] = p;
        continue;
      }
      const r = a * fa[i] - w * fb[i];
      one[0] = r;
      let bits = oneBits[0];
      const f = one[0];
      if (f !== r && (bits & 1) === 0) bits += Math.abs(f) > Math.abs(r) ? -1 : 1;
      // binary32 → bfloat16, round to nearest even (r is not NaN: both inputs finite)
      o[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }
  }
}
