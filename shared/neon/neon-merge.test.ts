import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeChunk } from '../merge/merge-kernel.ts';
import { Rng } from '../random/prng.ts';
import { neonMerge } from './neon-merge.ts';

/** Distance in units in the last place between two finite float32 values of the same sign. */
function ulps(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const u = new Int32Array(f.buffer);
  return Math.abs(u[0] - u[1]);
}

test('neonMerge (the in-memory reference) and the streaming merge kernel agree to one float32 ulp', () => {
  const rng = new Rng(7);
  const n = 4096;
  const r = Float32Array.from({ length: n }, () => rng.normal());
  const s = Float32Array.from(r, (x) => x + 0.01 * rng.normal());
  for (const w of [0, 0.5, 1.5, -0.75, 3]) {
    const ref = neonMerge(new Map([['t', r]]), new Map([['t', s]]), w).get('t')!;
    const out = new Uint8Array(4 * n);
    mergeChunk('F32', new Uint8Array(r.buffer), new Uint8Array(s.buffer), 4 * n, [w], [out]);
    const kernel = new Float32Array(out.buffer);
    let same = 0;
    for (let i = 0; i < n; i++) {
      if (kernel[i] === ref[i]) same++;
      else
        assert.ok(
          Math.sign(kernel[i]) === Math.sign(ref[i]) && ulps(kernel[i], ref[i]) <= 1,
          `w ${w}, element ${i}: kernel ${kernel[i]}, reference ${ref[i]}`,
        );
    }
    assert.ok(same >= 0.99 * n, `w ${w}: only ${same} of ${n} bit-identical`);
    if (w === 0) assert.equal(same, n);
  }
});

test('neonMerge names a tensor missing on either side', () => {
  const a = new Map([['x', new Float32Array(2)]]);
  assert.throws(() => neonMerge(a, new Map(), 1), /'x' is missing from the self-trained/);
  assert.throws(() => neonMerge(new Map(), a, 1), /'x' is missing from the base/);
});
