import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F16_TABLE, bf16ToNumber, numberToBf16, numberToF16 } from './float-bits.ts';
import { prng, refBf16, refF16, refToBf16, refToF16 } from './reference.test-util.ts';

test('F16 decoding matches the format definition for all 65536 patterns', () => {
  for (let h = 0; h < 65536; h++) {
    const want = refF16(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(F16_TABLE[h]), `0x${h.toString(16)}`);
    else assert.ok(Object.is(F16_TABLE[h], want), `0x${h.toString(16)}: ${F16_TABLE[h]} vs ${want}`);
  }
});

test('BF16 decoding is the top half of a binary32', () => {
  for (let b = 0; b < 65536; b += 7) {
    const want = refBf16(b);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(bf16ToNumber(b)));
    else assert.ok(Object.is(bf16ToNumber(b), want));
  }
});

/** Doubles that probe rounding: representable values, exact halfway points, and their float64 neighbours. */
function probes(decode: (b: number) => number, maxFinite: number): number[] {
  const out: number[] = [
    0,
    -0,
    1e-300,
    -1e-300,
    1e300,
    -1e300,
    2 ** -25,
    2 ** -24,
    3 * 2 ** -26,
    65520,
    65519.99,
    3.3961e38,
    3.4e38,
  ];
  const dv = new DataView(new ArrayBuffer(8));
  const nudge = (x: number, d: number) => {
    dv.setFloat64(0, x);
    dv.setBigInt64(0, dv.getBigInt64(0) + BigInt(d));
    return dv.getFloat64(0);
  };
  for (let b = 0; b < maxFinite; b += 3) {
    const lo = decode(b);
    const mid = (lo + decode(b + 1)) / 2;
    for (const x of [lo, mid, nudge(mid, 1), nudge(mid, -1), nudge(mid, 1 << 20), nudge(mid, -(1 << 20))])
      out.push(x, -x);
  }
  return out;
}

test('float64 → F16 rounds to nearest even, exactly, including subnormals, halfway points and overflow', () => {
  for (const x of probes(refF16, 0x7bff)) assert.equal(numberToF16(x), refToF16(x), `x = ${x}`);
  const r = prng(1);
  for (let i = 0; i < 20000; i++) {
    const x = (r() / 2 ** 32 - 0.5) * 2 ** ((r() % 60) - 30);
    assert.equal(numberToF16(x), refToF16(x), `x = ${x}`);
  }
});

test('float64 → BF16 rounds to nearest even, exactly (no double rounding through binary32)', () => {
  for (const x of probes(refBf16, 0x7f7f)) assert.equal(numberToBf16(x), refToBf16(x), `x = ${x}`);
  // values just past a BF16 halfway point by less than half a binary32 ulp: binary32 rounding alone would tie
  const dv = new DataView(new ArrayBuffer(8));
  for (const b of [0x3f80, 0x3f81, 0x4000, 0x0001, 0x7f7e]) {
    const mid = (refBf16(b) + refBf16(b + 1)) / 2;
    for (const d of [1n, -1n, 1000n, -1000n]) {
      dv.setFloat64(0, mid);
      dv.setBigInt64(0, dv.getBigInt64(0) + d);
      const x = dv.getFloat64(0);
      assert.equal(numberToBf16(x), refToBf16(x), `x = ${x}`);
    }
  }
});
