// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip files record it for every member.
// node:zlib's native crc32 (Node ≥ 20.15) when present, else a table-driven loop.
import * as zlib from 'node:zlib';

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `data`, continuing from `crc` (0 for a fresh checksum). */
export function crc32(data: Uint8Array, crc = 0): number {
  if (native) return native(data, crc) >>> 0;
  return crc32Table(data, crc);
}

/** The table-driven CRC-32. */
export function crc32Table(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
