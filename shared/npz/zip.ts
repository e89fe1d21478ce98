// A minimal zip reader and writer (PKWARE APPNOTE 6.3): stored (0) and deflated (8) members, zip64 when sizes or
// offsets pass 4 GiB - 1 or the member count passes 65535. Enough for numpy's .npz files, read and written.
import { promisify } from 'node:util';
import { deflateRawSync, inflateRaw, inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.ts';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export class ZipError extends Error {
  override name = 'ZipError';
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;
const U32_MAX = 0xffffffff;

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function u64(dv: DataView, off: number): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('zip64 value too large');
  return Number(v);
}

/** The default bound on the uncompressed bytes of one archive (all members together). */
export const DEFAULT_MAX_ZIP_BYTES = 2 * 1024 ** 3;

export interface ReadZipOptions {
  /** The most uncompressed bytes the members may hold together (checked on the declared sizes, before inflating). */
  maxBytes?: number;
}

/** A member as the central directory describes it, its compressed bytes located and bounded, not yet inflated. */
interface MemberRecord {
  name: string;
  method: number;
  crc: number;
  usize: number;
  raw: Uint8Array;
}

/**
 * Reads every member of a zip archive. Throws ZipError on anything malformed (including a CRC mismatch). Declared
 * sizes are checked against `maxBytes` before any member is inflated, and no inflate may write past the size its
 * member declares, so a small archive cannot expand into a large allocation.
 */
export function readZip(buf: Uint8Array, opts: ReadZipOptions = {}): ZipEntry[] {
  return members(buf, opts).map((m) =>
    checked(
      m,
      m.method === 0 ? m.raw : inflateMember(m, () => inflateRawSync(m.raw, { maxOutputLength: m.usize + 1 })),
    ),
  );
}

/**
 * readZip with the members inflated on libuv's thread pool (off the event loop, several at once, and beside other
 * work such as a second archive); the same checks and errors.
 */
export async function readZipAsync(buf: Uint8Array, opts: ReadZipOptions = {}): Promise<ZipEntry[]> {
  const list = members(buf, opts);
  const settled = await Promise.allSettled(
    list.map((m) =>
      m.method === 0 ? Promise.resolve(m.raw) : inflateRawAsync(m.raw, { maxOutputLength: m.usize + 1 }),
    ),
  );
  // checked in member order, so that the first bad member is the one reported, as readZip does
  return list.map((m, i) => {
    const r = settled[i];
    return checked(
      m,
      r.status === 'fulfilled'
        ? r.value
        : inflateMember(m, () => {
            throw r.reason;
          }),
    );
  });
}

const inflateRawAsync = promisify(inflateRaw);

/** Runs `inflate` (one byte more than declared: an inflate that reaches it lied about its size), naming failures. */
function inflateMember(m: MemberRecord, inflate: () => Uint8Array): Uint8Array {
  try {
    return inflate();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ZipError(`member '${m.name}': inflates past its declared size of ${m.usize} bytes`);
    throw new ZipError(`member '${m.name}': corrupt deflate data (${(err as Error).message})`);
  }
}

function checked(m: MemberRecord, data: Uint8Array): ZipEntry {
  if (data.length !== m.usize) throw new ZipError(`member '${m.name}': size ${data.length}, expected ${m.usize}`);
  if (crc32(data) !== m.crc) throw new ZipError(`member '${m.name}': CRC mismatch (corrupt archive)`);
  return { name: m.name, data };
}

/** The members of an archive from its central directory, with the declared sizes checked against the bound. */
function members(buf: Uint8Array, opts: ReadZipOptions): MemberRecord[] {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_ZIP_BYTES;
  let budget = maxBytes;
  const dv = view(buf);
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, scanned backwards.
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0 && i >= buf.length - 22 - 0xffff; i--) {
    if (dv.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end-of-central-directory record)');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOC) throw new ZipError('zip64 locator missing');
    const e64 = u64(dv, loc + 8);
    if (e64 + 56 > buf.length || dv.getUint32(e64, true) !== SIG_EOCD64) throw new ZipError('zip64 end record missing');
    count = u64(dv, e64 + 32);
    cdSize = u64(dv, e64 + 40);
    cdOffset = u64(dv, e64 + 48);
  }
  if (cdOffset + cdSize > buf.length) throw new ZipError('central directory lies outside the file (truncated?)');
  const out: MemberRecord[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== SIG_CENTRAL)
      throw new ZipError(`bad central directory entry ${n}`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: the 64-bit fields in order, only those whose 32-bit slot is saturated.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === U32_MAX) {
          usize = u64(dv, q);
          q += 8;
        }
        if (csize === U32_MAX) {
          csize = u64(dv, q);
          q += 8;
        }
        if (local === U32_MAX) local = u64(dv, q);
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if (flags & 1) throw new ZipError(`member '${name}' is encrypted`);
    if (local + 30 > buf.length || dv.getUint32(local, true) !== SIG_LOCAL)
      throw new ZipError(`member '${name}': bad local header`);
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (start + csize > buf.length) throw new ZipError(`member '${name}' is truncated`);
    const raw = buf.subarray(start, start + csize);
    if (usize > budget)
      throw new ZipError(
        `member '${name}' declares ${usize} bytes, more than the limit of ${maxBytes} for the archive`,
      );
    budget -= usize;
    if (method !== 0 && method !== 8) throw new ZipError(`member '${name}': unsupported compression method ${method}`);
    out.push({ name, method, crc, usize, raw });
  }
  return out;
}

/** Writes a zip archive; `compress` deflates members (numpy's savez_compressed), otherwise they are stored (savez). */
export function writeZip(entries: readonly ZipEntry[], compress = false): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const body = compress ? deflateRawSync(e.data) : e.data;
    const method = compress ? 8 : 0;
    const big = e.data.length >= U32_MAX || body.length >= U32_MAX || offset >= U32_MAX;
    // Local header: with zip64 the sizes go in the extra field.
    const localExtra = big ? 20 : 0;
    const lh = new Uint8Array(30 + name.length + localExtra);
    const l = view(lh);
    l.setUint32(0, SIG_LOCAL, true);
    l.setUint16(4, big ? 45 : 20, true);
    l.setUint16(6, 0x0800, true); // UTF-8 names
    l.setUint16(8, method, true);
    l.setUint16(10, 0, true); // time
    l.setUint16(12, 0x21, true); // date 1980-01-01
    l.setUint32(14, crc, true);
    l.setUint32(18, big ? U32_MAX : body.length, true);
    l.setUint32(22, big ? U32_MAX : e.data.length, true);
    l.setUint16(26, name.length, true);
    l.setUint16(28, localExtra, true);
    lh.set(name, 30);
    if (big) {
      l.setUint16(30 + name.length, 0x0001, true);
      l.setUint16(32 + name.length, 16, true);
      l.setBigUint64(34 + name.length, BigInt(e.data.length), true);
      l.setBigUint64(42 + name.length, BigInt(body.length), true);
    }
    const centralExtra = big ? 28 : 0;
    const ch = new Uint8Array(46 + name.length + centralExtra);
    const c = view(ch);
    c.setUint32(0, SIG_CENTRAL, true);
    c.setUint16(4, big ? 45 : 20, true);
    c.setUint16(6, big ? 45 : 20, true);
    c.setUint16(8, 0x0800, true);
    c.setUint16(10, method, true);
    c.setUint16(12, 0, true);
    c.setUint16(14, 0x21, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, big ? U32_MAX : body.length, true);
    c.setUint32(24, big ? U32_MAX : e.data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint16(30, centralExtra, true);
    c.setUint32(42, big ? U32_MAX : offset, true);
    ch.set(name, 46);
    if (big) {
      const q = 46 + name.length;
      c.setUint16(q, 0x0001, true);
      c.setUint16(q + 2, 24, true);
      c.setBigUint64(q + 4, BigInt(e.data.length), true);
      c.setBigUint64(q + 12, BigInt(body.length), true);
      c.setBigUint64(q + 20, BigInt(offset), true);
    }
    parts.push(lh, body);
    central.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const zip64 = offset >= U32_MAX || entries.length >= 0xffff || cdSize >= U32_MAX;
  const tail: Uint8Array[] = [];
  if (zip64) {
    const e64 = new Uint8Array(56 + 20);
    const d = view(e64);
    d.setUint32(0, SIG_EOCD64, true);
    d.setBigUint64(4, 44n, true);
    d.setUint16(12, 45, true);
    d.setUint16(14, 45, true);
    d.setBigUint64(24, BigInt(entries.length), true);
    d.setBigUint64(32, BigInt(entries.length), true);
    d.setBigUint64(40, BigInt(cdSize), true);
    d.setBigUint64(48, BigInt(offset), true);
    d.setUint32(56, SIG_EOCD64_LOC, true);
    d.setBigUint64(64, BigInt(offset + cdSize), true);
    d.setUint32(72, 1, true);
    tail.push(e64);
  }
  const eocd = new Uint8Array(22);
  const d = view(eocd);
  d.setUint32(0, SIG_EOCD, true);
  d.setUint16(8, zip64 ? 0xffff : entries.length, true);
  d.setUint16(10, zip64 ? 0xffff : entries.length, true);
  d.setUint32(12, zip64 ? U32_MAX : cdSize, true);
  d.setUint32(16, zip64 ? U32_MAX : offset, true);
  tail.push(eocd);
  return Buffer.concat([...parts, ...central, ...tail]);
}
