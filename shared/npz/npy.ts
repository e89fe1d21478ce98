// numpy's .npy format (numpy/lib/format.py, versions 1.0, 2.0, 3.0): magic, a Python-literal header dict
// {'descr', 'fortran_order', 'shape'}, then the raw array bytes. Arrays are returned in C (row-major) order.

export type NpyData = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface NdArray {
  /** numpy dtype string as read ('<f8', '>f8', '<f4', ...); arrays built here use little-endian names. */
  dtype: string;
  shape: number[];
  /** Values in C order, in the machine's (little-endian) byte order. */
  data: NpyData;
}

export class NpyError extends Error {
  override name = 'NpyError';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Kind {
  size: number;
  make(n: number): NpyData;
  get(dv: DataView, off: number, little: boolean): number | bigint;
}

const KINDS: Record<string, Kind> = {
  f8: { size: 8, make: (n) => new Float64Array(n), get: (dv, o, le) => dv.getFloat64(o, le) },
  f4: { size: 4, make: (n) => new Float32Array(n), get: (dv, o, le) => dv.getFloat32(o, le) },
  i4: { size: 4, make: (n) => new Int32Array(n), get: (dv, o, le) => dv.getInt32(o, le) },
  i8: { size: 8, make: (n) => new BigInt64Array(n), get: (dv, o, le) => dv.getBigInt64(o, le) },
  u1: { size: 1, make: (n) => new Uint8Array(n), get: (dv, o) => dv.getUint8(o) },
};

function parseDescr(descr: string): { kind: Kind; little: boolean; name: string } {
  const m = /^([<>|=]?)([fiu]\d+)$/.exec(descr);
  const kind = m ? KINDS[m[2]] : undefined;
  if (!m || !kind) throw new NpyError(`unsupported dtype '${descr}' (supported: <f8 >f8 <f4 >f4 <i8 <i4 |u1)`);
  return { kind, little: m[1] !== '>', name: m[2] };
}

/** Parses the header dict, a Python literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new NpyError(`malformed .npy header: ${text.trim()}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (dims.some((d) => !/^\d+$/.test(d))) throw new NpyError(`malformed shape in .npy header: (${shape[1]})`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims.map(Number) };
}

/** Reorders a Fortran-order (column-major) buffer into C order. */
function fortranToC<T extends NpyData>(src: T, shape: number[], make: (n: number) => T): T {
  const n = src.length;
  const out = make(n);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  // Walk C order; compute the Fortran offset incrementally.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  let f = 0;
  for (let c = 0; c < n; c++) {
    (out as any)[c] = (src as any)[f];
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++;
      f += fStride[k];
      if (idx[k] < shape[k]) break;
      f -= fStride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

export function parseNpy(buf: Uint8Array): NdArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new NpyError('not a .npy file (bad magic)');
  const major = buf[6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new NpyError('truncated .npy header');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else throw new NpyError(`unsupported .npy version ${major}.${buf[7]}`);
  if (start + headerLen > buf.length) throw new NpyError('truncated .npy header');
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const header = parseHeader(decoder.decode(buf.subarray(start, start + headerLen)));
  const { kind, little } = parseDescr(header.descr);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset < count * kind.size) {
    throw new NpyError(
      `truncated .npy data: shape (${header.shape.join(', ')}) needs ${count * kind.size} bytes, found ${buf.length - offset}`,
    );
  }
  let data: NpyData;
  const aligned = little && (buf.byteOffset + offset) % kind.size === 0;
  if (aligned) {
    // a view of the bytes, not a copy (the data of a 2048×2048 covariance is 32 MB)
    const Ctor = kind.make(0).constructor as any;
    data = new Ctor(buf.buffer, buf.byteOffset + offset, count);
  } else {
    data = kind.make(count);
    for (let i = 0; i < count; i++) (data as any)[i] = kind.get(dv, offset + i * kind.size, little);
  }
  if (header.fortran && header.shape.length > 1)
    data = fortranToC(data, header.shape, kind.make as (n: number) => NpyData);
  return { dtype: header.descr, shape: header.shape, data };
}

function descrOf(data: NpyData): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  return '|u1';
}

/** Serializes a C-order array as .npy version 1.0 (2.0 when the header needs it), little-endian. */
export function serializeNpy(arr: { shape: readonly number[]; data: NpyData }): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length)
    throw new NpyError(`shape (${arr.shape.join(', ')}) does not hold ${arr.data.length} values`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let dict = `{'descr': '${descrOf(arr.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  let version = 1;
  let pre = 10;
  if (dict.length + 1 + pre > 0xffff) {
    version = 2;
    pre = 12;
  }
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with '\n'.
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const bytes = new Uint8Array(total + arr.data.byteLength);
  bytes.set(MAGIC, 0);
  bytes[6] = version;
  bytes[7] = 0;
  const dv = new DataView(bytes.buffer);
  if (version === 1) dv.setUint16(8, dict.length, true);
  else dv.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) bytes[pre + i] = dict.charCodeAt(i);
  bytes.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), total);
  return bytes;
}

/** The array's values as float64 (a copy unless already float64). */
export function toFloat64(arr: NdArray): Float64Array {
  if (arr.data instanceof Float64Array) return arr.data;
  if (arr.data instanceof BigInt64Array) return Float64Array.from(arr.data, (v) => Number(v));
  return Float64Array.from(arr.data as ArrayLike<number>);
}
