// PNG (ISO/IEC 15948, W3C PNG 2nd ed.) decoding and encoding: 8-bit grayscale, gray+alpha, RGB and RGBA, and palette
// images of 1/2/4/8 bits; filters 0–4; no interlacing. zlib comes from node:zlib. Encoding uses the Z_RLE strategy:
// its output is the same bytes under Node, Bun and Deno, whose zlib builds find different matches with the default
// strategy (an image's PNG is then byte-identical under every runtime), and it suits filtered image rows.
import { constants as zlib, deflateSync, inflateSync } from 'node:zlib';
import { crc32 } from '../npz/crc32.ts';

export interface Image {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  /** row-major, interleaved channels (HWC) */
  data: Uint8Array;
}

export class PngError extends Error {
  override name = 'PngError';
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG; `what` names the source in errors. */
export function decodePng(buf: Uint8Array, what = 'png'): Image {
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new PngError(`${what}: not a PNG file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 8;
  let width = 0,
    height = 0,
    depth = 0,
    colorType = -1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (p + 12 <= buf.length) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(buf[p + 4], buf[p + 5], buf[p + 6], buf[p + 7]);
    if (p + 12 + len > buf.length) throw new PngError(`${what}: truncated chunk ${type}`);
    const body = buf.subarray(p + 8, p + 8 + len);
    if (crc32(buf.subarray(p + 4, p + 8 + len)) !== dv.getUint32(p + 8 + len))
      throw new PngError(`${what}: CRC mismatch in chunk ${type} (corrupt file)`);
    if (type === 'IHDR') {
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      depth = body[8];
      colorType = body[9];
      if (body[10] !== 0 || body[11] !== 0) throw new PngError(`${what}: unsupported compression or filter method`);
      if (body[12] !== 0) throw new PngError(`${what}: interlaced PNGs are not supported`);
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') trns = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    p += 12 + len;
  }
  if (colorType < 0) throw new PngError(`${what}: missing IHDR`);
  if (!ended) throw new PngError(`${what}: truncated (no IEND chunk)`);
  if (width === 0 || height === 0) throw new PngError(`${what}: empty image`);
  const samples = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (samples === undefined) throw new PngError(`${what}: unknown color type ${colorType}`);
  if (colorType === 3 ? ![1, 2, 4, 8].includes(depth) : depth !== 8) {
    throw new PngError(
      `${what}: unsupported bit depth ${depth} for color type ${colorType} (8-bit images and 1/2/4/8-bit palettes are supported)`,
    );
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new PngError(`${what}: corrupt image data (${(err as Error).message})`);
  }
  const bpp = Math.max(1, (samples * depth) >> 3); // bytes per complete pixel, for filtering
  const stride = Math.ceil((width * samples * depth) / 8);
  if (raw.length < height * (stride + 1)) throw new PngError(`${what}: image data too short`);
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const ft = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x];
      const a = x >= bpp ? rows[dst + x - bpp] : 0;
      const b = y > 0 ? rows[prev + x] : 0;
      const c = x >= bpp && y > 0 ? rows[prev + x - bpp] : 0;
      let out: number;
      switch (ft) {
        case 0:
          out = v;
          break;
        case 1:
          out = v + a;
          break;
        case 2:
          out = v + b;
          break;
        case 3:
          out = v + ((a + b) >> 1);
          break;
        case 4:
          out = v + paeth(a, b, c);
          break;
        default:
          throw new PngError(`${what}: bad filter type ${ft} on row ${y}`);
      }
      rows[dst + x] = out & 0xff;
    }
  }
  if (colorType !== 3) return { width, height, channels: samples as 1 | 2 | 3 | 4, data: rows };
  if (!palette) throw new PngError(`${what}: palette image without PLTE`);
  const channels = trns ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = rows[y * stride + Math.floor(x / perByte)];
      const idx = (byte >> ((perByte - 1 - (x % perByte)) * depth)) & mask;
      if (idx * 3 + 2 >= palette.length) throw new PngError(`${what}: palette index ${idx} out of range`);
      const o = (y * width + x) * channels;
      out[o] = palette[idx * 3];
      out[o + 1] = palette[idx * 3 + 1];
      out[o + 2] = palette[idx * 3 + 2];
      if (trns) out[o + 3] = idx < trns.length ? trns[idx] : 255;
    }
  }
  return { width, height, channels, data: out };
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encodes an 8-bit gray, gray+alpha, RGB or RGBA image (filter 1, 'Sub', on every row). */
export function encodePng(img: Image): Uint8Array {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels)
    throw new PngError(`image data has ${data.length} bytes, expected ${width * height * channels}`);
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1;
    for (let x = 0; x < stride; x++) {
      const v = data[y * stride + x];
      const a = x >= channels ? data[y * stride + x - channels] : 0;
      raw[o + 1 + x] = (v - a) & 0xff;
    }
  }
  return Buffer.concat([
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { strategy: zlib.Z_RLE })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
