// The safetensors header: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON that opens with '{'
// (trailing spaces allowed), then the data. Each tensor names its dtype, shape and data_offsets [begin, end)
// relative to the data start; sorted by offset, they tile the data exactly (no holes, no overlaps), each
// covers product(shape) × bits / 8 bytes, and the file ends where the data ends.
// Spec: https://github.com/huggingface/safetensors (README "Format").
import { DTYPE_BITS, isDtype, type Dtype } from './dtype.ts';
import { SafetensorsError } from './errors.ts';
import { JsonNumber, parseStrictJson, type JsonValue } from './strict-json.ts';

/** The largest header the format accepts (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** [begin, end) relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensors in offset order. */
  tensors: TensorInfo[];
  metadata: Record<string, string>;
  /** Absolute position of the data section (8 + N). */
  dataStart: number;
}

const UINT = /^(0|[1-9]\d*)$/;

function uint(v: JsonValue | undefined, what: string, code: 'invalid_shape' | 'invalid_offsets'): bigint {
  if (!(v instanceof JsonNumber) || !UINT.test(v.raw)) {
    throw new SafetensorsError(code, `${what} must be a non-negative integer`);
  }
  return BigInt(v.raw);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Reads N from the first 8 bytes and checks it against the limits and the file's size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new SafetensorsError(
      'truncated',
      `${file}: ${fileSize} bytes is too short for a safetensors file (needs the 8-byte header length)`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      'header_too_large',
      `${file}: header length ${n} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`,
    );
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new SafetensorsError(
      'truncated',
      `${file}: header length ${len} runs past the end of the file (${fileSize} bytes)`,
    );
  }
  return len;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses and validates the header bytes (the N bytes after the length) of a file of `fileSize` bytes. */
export function parseHeader(bytes: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new SafetensorsError('invalid_utf8', `${file}: the header is not valid UTF-8`);
  }
  if (!text.startsWith('{'))
    throw new SafetensorsError('header_invalid', `${file}: the header must be a JSON object starting with '{'`);
  const root = parseStrictJson(text, `${file}: header`);
  if (!(root instanceof Map)) throw new SafetensorsError('header_invalid', `${file}: the header must be a JSON object`);
  const dataStart = 8 + bytes.length;
  const dataBytes = BigInt(fileSize - dataStart);
  const metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, v] of root) {
    if (name === '__metadata__') {
      if (v === null) continue;
      if (!(v instanceof Map))
        throw new SafetensorsError('invalid_metadata', `${file}: __metadata__ must be an object of strings`);
      for (const [k, s] of v) {
        if (typeof s !== 'string')
          throw new SafetensorsError(
            'invalid_metadata',
            `${file}: __metadata__[${JSON.stringify(k)}] must be a string`,
          );
        metadata[k] = s;
      }
      continue;
    }
    const where = `${file}: tensor ${JSON.stringify(name)}`;
    if (!(v instanceof Map))
      throw new SafetensorsError('header_invalid', `${where}: must be an object with dtype, shape and data_offsets`);
    for (const k of v.keys()) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets')
        throw new SafetensorsError('header_invalid', `${where}: unknown field ${JSON.stringify(k)}`);
    }
    const dtype = v.get('dtype');
    if (typeof dtype !== 'string' || !isDtype(dtype)) {
      throw new SafetensorsError(
        'invalid_dtype',
        `${where}: unknown dtype ${JSON.stringify(dtype instanceof JsonNumber ? dtype.raw : (dtype ?? null))}`,
      );
    }
    const shapeV = v.get('shape');
    if (!Array.isArray(shapeV)) throw new SafetensorsError('invalid_shape', `${where}: shape must be an array`);
    // element count × bits, overflow-checked: the product may not exceed the file's data section
    const dims = shapeV.map((x, d) => uint(x, `${where}: shape[${d}]`, 'invalid_shape'));
    const shape: number[] = [];
    for (let d = 0; d < dims.length; d++) {
      if (dims[d] > SAFE)
        throw new SafetensorsError('invalid_shape', `${where}: shape[${d}] = ${dims[d]} is too large`);
      shape.push(Number(dims[d]));
    }
    let nbits = dims.includes(0n) ? 0n : BigInt(DTYPE_BITS[dtype]);
    const limit = dataBytes * 8n;
    for (const dim of dims) {
      if (nbits === 0n) break;
      nbits *= dim;
      if (nbits > limit) {
        throw new SafetensorsError(
          'size_mismatch',
          `${where}: shape [${shape.join(', ')}] of ${dtype} needs more bytes than the file holds`,
        );
      }
    }
    if (nbits % 8n !== 0n)
      throw new SafetensorsError('size_mismatch', `${where}: ${nbits} bits of ${dtype} is not a whole number of bytes`);
    const offs = v.get('data_offsets');
    if (!Array.isArray(offs) || offs.length !== 2)
      throw new SafetensorsError('invalid_offsets', `${where}: data_offsets must be [begin, end]`);
    const begin = uint(offs[0], `${where}: data_offsets[0]`, 'invalid_offsets');
    const end = uint(offs[1], `${where}: data_offsets[1]`, 'invalid_offsets');
    if (end < begin)
      throw new SafetensorsError('invalid_offsets', `${where}: data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataBytes)
      throw new SafetensorsError(
        'invalid_offsets',
        `${where}: data_offsets [${begin}, ${end}] run past the data (${dataBytes} bytes)`,
      );
    if (end - begin !== nbits / 8n) {
      throw new SafetensorsError(
        'size_mismatch',
        `${where}: data_offsets cover ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${nbits / 8n}`,
      );
    }
    tensors.push({ name, dtype, shape, begin: Number(begin), end: Number(end) });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of tensors) {
    if (t.begin !== at) {
      const kind = t.begin > at ? 'a hole' : 'an overlap';
      throw new SafetensorsError(
        'invalid_offsets',
        `${file}: tensor ${JSON.stringify(t.name)} starts at ${t.begin}, leaving ${kind} after byte ${at} of the data`,
      );
    }
    at = t.end;
  }
  if (BigInt(at) !== dataBytes) {
    throw new SafetensorsError(
      'length_mismatch',
      `${file}: the tensors cover ${at} bytes of data but the file holds ${dataBytes} (the file length must be exactly 8 + header + data)`,
    );
  }
  return { tensors, metadata, dataStart };
}

export interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
}

/** Byte size of a tensor of `dtype` and `shape`, overflow-checked. */
export function tensorByteLength(dtype: Dtype, shape: readonly number[], name = ''): number {
  let bits = BigInt(DTYPE_BITS[dtype]);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new SafetensorsError('invalid_shape', `tensor ${JSON.stringify(name)}: bad dimension ${d}`);
    bits *= BigInt(d);
  }
  if (bits % 8n !== 0n)
    throw new SafetensorsError(
      'size_mismatch',
      `tensor ${JSON.stringify(name)}: ${bits} bits is not a whole number of bytes`,
    );
  const bytes = bits / 8n;
  if (bytes > SAFE)
    throw new SafetensorsError('size_mismatch', `tensor ${JSON.stringify(name)}: ${bytes} bytes is too large`);
  return Number(bytes);
}

export interface EncodedHeader {
  /** The 8-byte length and the padded JSON, ready to write at position 0. */
  bytes: Uint8Array;
  /** Per tensor (in the given order): [begin, end) in the data section. */
  offsets: [number, number][];
  dataBytes: number;
}

/**
 * Encodes a header for tensors laid out in the given order. The JSON is padded with spaces so that the data
 * starts at a multiple of 8 — and, with `minJsonBytes`, to at least that many bytes (room to rewrite it later).
 */
export function encodeHeader(
  specs: readonly TensorSpec[],
  metadata: Record<string, string> = {},
  minJsonBytes = 0,
): EncodedHeader {
  const obj: Record<string, unknown> = {};
  const seen = new Set<string>();
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new SafetensorsError('invalid_metadata', `__metadata__[${JSON.stringify(k)}] must be a string`);
    }
    obj.__metadata__ = metadata;
  }
  const offsets: [number, number][] = [];
  let at = 0;
  for (const s of specs) {
    if (s.name === '__metadata__')
      throw new SafetensorsError('header_invalid', "a tensor cannot be named '__metadata__'");
    if (seen.has(s.name))
      throw new SafetensorsError('duplicate_key', `tensor ${JSON.stringify(s.name)} is listed twice`);
    seen.add(s.name);
    const n = tensorByteLength(s.dtype, s.shape, s.name);
    offsets.push([at, at + n]);
    obj[s.name] = { dtype: s.dtype, shape: [...s.shape], data_offsets: [at, at + n] };
    at += n;
  }
  // Object key order: JSON.stringify puts integer-like keys first; that is fine, offsets say where data is.
  const json = new TextEncoder().encode(JSON.stringify(obj));
  let len = Math.max(json.length, minJsonBytes);
  len += (8 - ((8 + len) % 8)) % 8;
  if (len > MAX_HEADER_BYTES)
    throw new SafetensorsError('header_too_large', `the header would be ${len} bytes, over the format's limit`);
  const bytes = new Uint8Array(8 + len).fill(0x20, 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(len), true);
  bytes.set(json, 8);
  return { bytes, offsets, dataBytes: at };
}
