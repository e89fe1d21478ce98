import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng, PngError } from './png.ts';
import type { Image } from './png.ts';
import { crc32 } from '../npz/crc32.ts';
import { PngFolder, shardRange, ImageSourceError } from './png-folder.ts';

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** A PNG written independently of encodePng: rows filtered with the given filter types (0–4), in turn. */
function handPng(
  w: number,
  h: number,
  colorType: number,
  depth: number,
  rows: Uint8Array[],
  bpp: number,
  extra: Uint8Array[] = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const parts: number[] = [];
  rows.forEach((row, y) => {
    const ft = y % 5;
    parts.push(ft);
    const prev = y > 0 ? rows[y - 1] : new Uint8Array(row.length);
    for (let x = 0; x < row.length; x++) {
      const a = x >= bpp ? row[x - bpp] : 0,
        b = prev[x],
        c = x >= bpp ? prev[x - bpp] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][ft];
      parts.push((row[x] - pred) & 0xff);
    }
  });
  const sig = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    sig,
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(Uint8Array.from(parts))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

test('decodes all five filter types (RGB)', () => {
  const w = 7,
    h = 10;
  const rows = Array.from({ length: h }, (_, y) =>
    Uint8Array.from({ length: w * 3 }, (_, x) => (x * 37 + y * 91 + ((x * y) % 13)) & 0xff),
  );
  const img = decodePng(handPng(w, h, 2, 8, rows, 3));
  assert.equal(img.channels, 3);
  assert.deepEqual(
    Array.from(img.data),
    rows.flatMap((r) => Array.from(r)),
  );
});

test('decodes 2-bit palette images with transparency', () => {
  const plte = chunk('PLTE', Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]));
  const trns = chunk('tRNS', Uint8Array.from([10, 20]));
  // 5 pixels per row, indices 0 1 2 3 0 packed 4 per byte
  const row = Uint8Array.from([0b00011011, 0b00000000]);
  const img = decodePng(handPng(5, 1, 3, 2, [row], 1, [plte, trns]));
  assert.equal(img.channels, 4);
  assert.deepEqual(Array.from(img.data), [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 255, 9, 9, 9, 255, 255, 0, 0, 10]);
});

test('encode → decode round trip for gray, gray+alpha, RGB, RGBA', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    const img: Image = {
      width: 9,
      height: 4,
      channels,
      data: Uint8Array.from({ length: 36 * channels }, (_, i) => (i * 53) & 0xff),
    };
    assert.deepEqual(decodePng(encodePng(img)), img);
  }
});

test('corrupt PNGs are errors naming the file', () => {
  const png = encodePng({ width: 2, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4]) });
  const bad = Uint8Array.from(png);
  bad[40] ^= 0xff;
  assert.throws(
    () => decodePng(bad, 'a.png'),
    (e: Error) => e instanceof PngError && /a\.png/.test(e.message),
  );
  assert.throws(() => decodePng(Uint8Array.from([1, 2, 3]), 'b.png'), /b\.png: not a PNG/);
});

test('folders: sorted, sharded contiguously, clear errors for no images and mixed sizes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'png-'));
  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.txt'), 'x');
  await assert.rejects(
    PngFolder.open(empty),
    (e: Error) => e instanceof ImageSourceError && e.message.includes(empty) && /no \.png images/.test(e.message),
  );
  const mixed = join(root, 'mixed');
  mkdirSync(mixed);
  writeFileSync(join(mixed, 'a.png'), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }));
  writeFileSync(join(mixed, 'b.png'), encodePng({ width: 3, height: 2, channels: 1, data: new Uint8Array(6) }));
  const f = await PngFolder.open(mixed);
  await assert.rejects(
    async () => {
      for await (const _ of f.batches(f.files, 8)) {
        /* consume */
      }
    },
    (e: Error) =>
      e instanceof ImageSourceError && e.message.includes(join(mixed, 'b.png')) && /3×2.*2×2/.test(e.message),
  );
  // a shard that holds only the odd-sized image fails as well
  await assert.rejects(
    async () => {
      for await (const _ of f.batches(f.select({ index: 1, count: 2 }), 8)) {
        /* consume */
      }
    },
    (e: Error) => e.message.includes(join(mixed, 'b.png')) && e.message.includes(join(mixed, 'a.png')),
  );
  // shards partition 0..total contiguously
  for (const total of [0, 1, 7, 100]) {
    let next = 0;
    for (let i = 0; i < 3; i++) {
      const { start, end } = shardRange(total, { index: i, count: 3 });
      assert.equal(start, next);
      next = end;
    }
    assert.equal(next, total);
  }
});
