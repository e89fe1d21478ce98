// The IDX file format (MNIST, Fashion-MNIST): big-endian magic 0x0000 <type> <rank>, then rank u32 dims, then data.
// Files may be gzip-compressed (.gz).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, source = 'idx file'): IdxArray {
  const buf = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (buf.length < 4) throw new Error(`${source}: too short to be an IDX file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint16(0) !== 0) throw new Error(`${source}: not an IDX file (bad magic)`);
  const type = buf[2];
  const rank = buf[3];
  if (type !== 0x08)
    throw new Error(`${source}: only unsigned-byte IDX data is supported (type 0x${type.toString(16)})`);
  if (rank < 1 || buf.length < 4 + 4 * rank) throw new Error(`${source}: bad IDX header`);
  const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (buf.length !== start + n)
    throw new Error(`${source}: ${buf.length - start} data bytes for dims [${dims.join(', ')}] (expected ${n})`);
  return { dims, data: buf.subarray(start) };
}

export async function readIdx(path: string): Promise<IdxArray> {
  return parseIdx(new Uint8Array(await readFile(path)), path);
}
