import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeChunk } from './merge-kernel.ts';
import { prng, refBf16, refF16, refMerge, refToBf16, refToF16 } from './reference.test-util.ts';

const WS = [1, 1.5, 0.25, -0.5, 3, 0, 1e-3, 100];

/** 16-bit patterns: specials of the format, then random ones. */
function patterns16(specials: number[], n: number, seed: number): Uint16Array {
  const r = prng(seed);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i < specials.length * specials.length ? specials[i % specials.length] : r() & 0xffff;
  return out;
}

function pairUp(specials: number[], n: number, seed: number): [Uint16Array, Uint16Array] {
  const a = patterns16(specials, n, seed);
  const b = patterns16(specials, n, seed + 1);
  // every special meets every special once
  for (let i = 0; i < specials.length * specials.length; i++) {
    a[i] = specials[i % specials.length];
    b[i] = specials[Math.floor(i / specials.length)];
  }
  // and random nearby pairs (the realistic case: self close to base)
  const r = prng(seed + 2);
  for (let i = specials.length ** 2; i < n; i += 2) b[i] = (a[i] + ((r() % 9) - 4)) & 0xffff;
  return [a, b];
}

function check16(
  dtype: 'F16' | 'BF16',
  specials: number[],
  expMask: number,
  decode: (b: number) => number,
  round: (x: number) => number,
) {
  const n = 40_000;
  const [a, b] = pairUp(specials, n, dtype === 'F16' ? 11 : 22);
  const outs = WS.map(() => new Uint8Array(2 * n));
  mergeChunk(dtype, new Uint8Array(a.buffer), new Uint8Array(b.buffer), 2 * n, WS, outs);
  WS.forEach((w, k) => {
    const o = new Uint16Array(outs[k].buffer);
    for (let i = 0; i < n; i++) {
      const finite = (a[i] & expMask) !== expMask && (b[i] & expMask) !== expMask;
      const want = finite ? round(refMerge(decode(a[i]), decode(b[i]), w)) : a[i];
      if (o[i] !== want)
        assert.fail(
          `${dtype} w=${w} element ${i}: base 0x${a[i].toString(16)} self 0x${b[i].toString(16)} → 0x${o[i].toString(16)}, reference 0x${want.toString(16)}`,
        );
    }
  });
}

test('F16 merge is bit-exact against the float64 reference (NaN, ±Inf, subnormals, ±0, max)', () => {
  const specials = [
    0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x7c01,
    0xfe00, 0x3555,
  ];
  check16('F16', specials, 0x7c00, refF16, refToF16);
});

test('BF16 merge is bit-exact against the float64 reference (NaN, ±Inf, subnormals, ±0, max)', () => {
  const specials = [
    0x0000, 0x8000, 0x0001, 0x8001, 0x007f, 0x0080, 0x3f80, 0xbf80, 0x7f7f, 0xff7f, 0x7f80, 0xff80, 0x7fc0, 0x7f81,
    0xffc1, 0x3eaa,
  ];
  check16('BF16', specials, 0x7f80, refBf16, refToBf16);
});

test('F32 merge is bit-exact: fround of the float64 result; non-finite inputs keep the base bits (NaN payloads too)', () => {
  const n = 20_000;
  const r = prng(33);
  const a = new Uint32Array(n);
  const b = new Uint32Array(n);
  const specials = [
    0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x00800000, 0x3f800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000,
    0x7fc00000, 0x7f800001, 0xffc12345,
  ];
  for (let i = 0; i < n; i++) {
    a[i] = i < specials.length ** 2 ? specials[i % specials.length] : r();
    b[i] = i < specials.length ** 2 ? specials[Math.floor(i / specials.length)] : i % 2 ? r() : a[i] + (r() % 7) - 3;
  }
  const fa = new Float32Array(a.buffer);
  const fb = new Float32Array(b.buffer);
  const outs = WS.map(() => new Uint8Array(4 * n));
  mergeChunk('F32', new Uint8Array(a.buffer), new Uint8Array(b.buffer), 4 * n, WS, outs);
  const cell = new Float32Array(1);
  const bits = new Uint32Array(cell.buffer);
  WS.forEach((w, k) => {
    const o = new Uint32Array(outs[k].buffer);
    for (let i = 0; i < n; i++) {
      let want: number;
      if (Number.isFinite(fa[i]) && Number.isFinite(fb[i])) {
        cell[0] = refMerge(fa[i], fb[i], w);
        want = bits[0];
      } else want = a[i];
      if (o[i] !== want) assert.fail(`F32 w=${w} element ${i}: 0x${o[i].toString(16)} vs 0x${want.toString(16)}`);
    }
  });
});

test('F64 merge is the float64 formula itself; non-finite inputs keep the base bits', () => {
  const vals = [0, -0, 1, -2.5, 5e-324, -5e-324, 1.7976931348623157e308, Infinity, -Infinity, NaN, 0.1, 1e-310];
  const n = vals.length ** 2;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = vals[i % vals.length];
    b[i] = vals[Math.floor(i / vals.length)];
  }
  const outs = WS.map(() => new Uint8Array(8 * n));
  mergeChunk('F64', new Uint8Array(a.buffer), new Uint8Array(b.buffer), 8 * n, WS, outs);
  WS.forEach((w, k) => {
    const o = new Float64Array(outs[k].buffer);
    for (let i = 0; i < n; i++) {
      const want = Number.isFinite(a[i]) && Number.isFinite(b[i]) ? refMerge(a[i], b[i], w) : a[i];
      assert.ok(Object.is(o[i], want), `w=${w}: ${a[i]}, ${b[i]} → ${o[i]} vs ${want}`);
    }
  });
});

test('w = 0 gives the base back bit for bit; w = -1 gives self (for finite values)', () => {
  const n = 5000;
  const [a, b] = pairUp([0x3c00], n, 5);
  for (let i = 0; i < n; i++) {
    if ((a[i] & 0x7c00) === 0x7c00) a[i] = 0x3c00;
    if ((b[i] & 0x7c00) === 0x7c00) b[i] = 0x3c00;
  }
  const outs = [new Uint8Array(2 * n), new Uint8Array(2 * n)];
  mergeChunk('F16', new Uint8Array(a.buffer), new Uint8Array(b.buffer), 2 * n, [0, -1], outs);
  const o0 = new Uint16Array(outs[0].buffer);
  const o1 = new Uint16Array(outs[1].buffer);
  for (let i = 0; i < n; i++) {
    // −0 − 0·s is −0 only when s is not −0; compare values for zeros
    if ((a[i] & 0x7fff) !== 0) assert.equal(o0[i], a[i]);
    if ((b[i] & 0x7fff) !== 0) assert.equal(o1[i], b[i]);
  }
});

test('chunks longer than the kernel block (2^20 elements) are merged whole, in both 16-bit formats', () => {
  const n = (1 << 21) + 3;
  const r = prng(99);
  const a = new Uint16Array(n);
  const b = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = 0x3000 + (r() % 0x1000);
    b[i] = a[i] + (r() % 5) - 2;
  }
  for (const [dtype, dec, round] of [
    ['BF16', refBf16, refToBf16],
    ['F16', refF16, refToF16],
  ] as const) {
    const outs = [new Uint8Array(2 * n), new Uint8Array(2 * n)];
    mergeChunk(dtype, new Uint8Array(a.buffer), new Uint8Array(b.buffer), 2 * n, [1.5, -0.5], outs);
    [1.5, -0.5].forEach((w, k) => {
      const o = new Uint16Array(outs[k].buffer);
      for (let i = 0; i < n; i += i < 1000 || n - i < 1000 || Math.abs(i - (1 << 20)) < 1000 ? 1 : 97) {
        const want = round(refMerge(dec(a[i]), dec(b[i]), w));
        if (o[i] !== want)
          assert.fail(`${dtype} w=${w} element ${i}: 0x${o[i].toString(16)} vs 0x${want.toString(16)}`);
      }
    });
  }
});

test('results exactly halfway between two 16-bit values round to even (self one binade below base, w = 1 and 0.5)', () => {
  for (const [dtype, one, half, mant, dec, round] of [
    ['F16', 0x3c00, 0x3800, 1024, refF16, refToF16],
    ['BF16', 0x3f80, 0x3f00, 128, refBf16, refToBf16],
  ] as const) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < mant; i += dtype === 'F16' ? 3 : 1)
      for (let j = 0; j < mant; j += dtype === 'F16' ? 5 : 1) pairs.push([one + i, half + j]);
    const a = Uint16Array.from(pairs, (p) => p[0]);
    const b = Uint16Array.from(pairs, (p) => p[1]);
    const ws = [1, 0.5];
    const outs = ws.map(() => new Uint8Array(2 * a.length));
    mergeChunk(dtype, new Uint8Array(a.buffer), new Uint8Array(b.buffer), 2 * a.length, ws, outs);
    let ties = 0;
    ws.forEach((w, k) => {
      const o = new Uint16Array(outs[k].buffer);
      for (let i = 0; i < a.length; i++) {
        const x = refMerge(dec(a[i]), dec(b[i]), w);
        const want = round(x);
        if (dec(want) !== x && Math.abs(dec(want) - x) === Math.abs(dec(want ^ 1) - x)) ties++;
        if (o[i] !== want)
          assert.fail(
            `${dtype} w=${w}: 0x${a[i].toString(16)}, 0x${b[i].toString(16)} → 0x${o[i].toString(16)} vs 0x${want.toString(16)}`,
          );
      }
    });
    assert.ok(ties > 100, `${dtype}: only ${ties} exact ties exercised`);
  }
});
