// Fuzzing the reader: 12,000 mutated headers and truncated files (seeded, deterministic). Each one either
// opens (a mutation may leave a valid file) or fails with a SafetensorsError carrying a message; none throws
// anything else, hangs, or makes the reader allocate or request more bytes than the file holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySource } from './byte-source.ts';
import { SafetensorsError } from './errors.ts';
import { encodeHeader } from './header.ts';
import { openSafetensorsSource } from './reader.ts';
import { prng } from '../merge/reference.test-util.ts';

/** A memory source that records the largest read it was asked for. */
class ProbedSource extends MemorySource {
  maxRequest = 0;
  override read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number> {
    this.maxRequest = Math.max(this.maxRequest, length);
    return super.read(dst, dstOffset, length, position);
  }
}

function seedFile(): Uint8Array {
  const specs = [
    { name: 'embed.weight', dtype: 'BF16' as const, shape: [4, 3] },
    { name: 'blocks.0.attn.qkv', dtype: 'F32' as const, shape: [2, 3] },
    { name: 'scalar', dtype: 'F64' as const, shape: [] },
    { name: 'empty', dtype: 'F16' as const, shape: [0, 5] },
    { name: 'mask', dtype: 'BOOL' as const, shape: [3] },
    { name: 'packed', dtype: 'F4' as const, shape: [2, 2] },
  ];
  const h = encodeHeader(specs, { format: 'pt', note: 'fuzz' });
  const out = new Uint8Array(h.bytes.length + h.dataBytes);
  out.set(h.bytes);
  for (let i = h.bytes.length; i < out.length; i++) out[i] = (i * 37) & 0xff;
  return out;
}

const enc = new TextEncoder();

function withHeader(json: string, data: Uint8Array): Uint8Array {
  const j = enc.encode(json);
  const out = new Uint8Array(8 + j.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
  out.set(j, 8);
  out.set(data, 8 + j.length);
  return out;
}

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '0',
  '-1',
  '1e400',
  '18446744073709551616',
  '9007199254740993',
  'null',
  'true',
  '"__metadata__"',
  '"dtype"',
  '"F32"',
  '"F8_E4M3"',
  '"X9"',
  '"shape"',
  '"data_offsets"',
  ' ',
  '\u00ff',
  '\ud800',
];

function mutate(seed: Uint8Array, r: () => number, headerLen: number): Uint8Array {
  const kind = r() % 8;
  const b = seed.slice();
  const hdrPos = () => 8 + (r() % headerLen);
  switch (kind) {
    case 0: // truncate anywhere
      return seed.slice(0, r() % seed.length);
    case 1: {
      // flip 1–4 bytes of the header
      for (let k = 0, n = 1 + (r() % 4); k < n; k++) b[hdrPos()] ^= 1 << (r() % 8);
      return b;
    }
    case 2: {
      // random header length
      const dv = new DataView(b.buffer);
      const choice = r() % 4;
      const v =
        choice === 0
          ? BigInt(r()) * BigInt(r()) * BigInt(r())
          : choice === 1
            ? BigInt(r() % (headerLen + 64))
            : choice === 2
              ? 0xffffffffffffffffn
              : BigInt(100_000_001 + (r() % 10));
      dv.setBigUint64(0, v & 0xffffffffffffffffn, true);
      return b;
    }
    case 3: {
      // splice a JSON token into the header text
      const text = new TextDecoder().decode(seed.subarray(8, 8 + headerLen));
      const at = r() % text.length;
      const cut = r() % 3;
      const t = text.slice(0, at) + TOKENS[r() % TOKENS.length] + text.slice(at + cut);
      return withHeader(t, seed.subarray(8 + headerLen));
    }
    case 4: {
      // rewrite numbers in the header (shapes, offsets) to other values
      const text = new TextDecoder().decode(seed.subarray(8, 8 + headerLen));
      const nums = [...text.matchAll(/\d+/g)];
      const m = nums[r() % nums.length];
      const repl = ['0', '1', '7', '4294967296', '9007199254740992', '99999999999999999999999', '1.5', '-3', '1e3'][
        r() % 9
      ];
      const t = text.slice(0, m.index) + repl + text.slice(m.index! + m[0].length);
      return withHeader(t, seed.subarray(8 + headerLen));
    }
    case 5: {
      // append or drop data bytes
      const d = (r() % 17) - 8;
      if (d < 0) return seed.slice(0, Math.max(0, seed.length + d));
      const out = new Uint8Array(seed.length + d);
      out.set(seed);
      return out;
    }
    case 6: {
      // duplicate a key or a whole entry
      const text = new TextDecoder().decode(seed.subarray(8, 8 + headerLen)).trimEnd();
      const keys = [...text.matchAll(/"([a-z_.0-9]+)":/g)];
      const k = keys[r() % keys.length];
      const t = text.slice(0, -1) + `,"${k[1]}":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`;
      return withHeader(t, seed.subarray(8 + headerLen));
    }
    default: {
      // random bytes of random length
      const out = new Uint8Array(r() % 64);
      for (let i = 0; i < out.length; i++) out[i] = r() & 0xff;
      if (out.length >= 8 && r() % 2) new DataView(out.buffer).setBigUint64(0, BigInt(r() % out.length), true);
      return out;
    }
  }
}

test('12,000 mutated and truncated files: a SafetensorsError with a message, or a valid file; memory bounded', async () => {
  const seed = seedFile();
  const headerLen = Number(new DataView(seed.buffer).getBigUint64(0, true));
  assert.ok((await openSafetensorsSource(new MemorySource('seed', seed))).tensors.length === 6);
  const r = prng(20260101);
  const codes = new Map<string, number>();
  let valid = 0;
  const t0 = performance.now();
  for (let i = 0; i < 12_000; i++) {
    const file = mutate(seed, r, headerLen);
    const src = new ProbedSource(`case-${i}`, file);
    let maxAlloc = 0;
    try {
      const f = await openSafetensorsSource(src, { onAllocate: (n) => (maxAlloc = Math.max(maxAlloc, n)) });
      // a file that opens must be fully consistent: its tensors tile the data exactly
      let end = f.header.dataStart;
      for (const t of f.tensors) end = Math.max(end, f.header.dataStart + t.end);
      assert.equal(end, file.length, `case ${i}: opened but the data does not end at the file's end`);
      valid++;
    } catch (err) {
      if (!(err instanceof SafetensorsError))
        assert.fail(`case ${i}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      assert.ok(
        err.message.length > 10 && err.message.includes(`case-${i}`),
        `case ${i}: unclear message '${err.message}'`,
      );
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
    }
    assert.ok(maxAlloc <= file.length, `case ${i}: allocated ${maxAlloc} bytes for a ${file.length}-byte file`);
    assert.ok(
      src.maxRequest <= file.length,
      `case ${i}: requested a ${src.maxRequest}-byte read of a ${file.length}-byte file`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  if (process.env.FUZZ_VERBOSE) console.log(valid, JSON.stringify([...codes]));
  // every kind of failure the format defines shows up
  for (const code of [
    'truncated',
    'header_too_large',
    'invalid_json',
    'duplicate_key',
    'invalid_offsets',
    'size_mismatch',
    'length_mismatch',
    'invalid_dtype',
  ]) {
    assert.ok((codes.get(code) ?? 0) > 0, `no case produced '${code}' (${JSON.stringify([...codes])})`);
  }
  assert.ok(valid < 12_000 * 0.2, `too many mutations were valid (${valid})`);
  assert.ok(seconds < 30, `fuzzing took ${seconds}s`);
});
