import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preprocess, INCEPTION_CONTRACT } from './preprocess.ts';

test('bilinear resize matches torch F.interpolate(align_corners=False) on a 2×2 → 4×4 case', () => {
  // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4), mode='bilinear', align_corners=False)
  const want = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
  const img = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([0, 85, 170, 255]) };
  const { input, shape } = preprocess([img], { height: 4, width: 4, channels: 1, range: [0, 3], resize: 'bilinear' });
  assert.deepEqual(shape, [1, 1, 4, 4]);
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(input[i] - want[i]) < 1e-6, `${i}: ${input[i]}`);
});

test('Inception contract: gray → 3 equal channels in [−1, 1] at 299×299; alpha dropped', () => {
  const gray = {
    width: 28,
    height: 28,
    channels: 1 as const,
    data: Uint8Array.from({ length: 784 }, (_, i) => i % 256),
  };
  const { input, shape } = preprocess([gray], INCEPTION_CONTRACT);
  assert.deepEqual(shape, [1, 3, 299, 299]);
  const plane = 299 * 299;
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < plane; i++) {
    assert.equal(input[i], input[plane + i]);
    assert.equal(input[i], input[2 * plane + i]);
    lo = Math.min(lo, input[i]);
    hi = Math.max(hi, input[i]);
  }
  assert.ok(lo >= -1 && hi <= 1 && lo < -0.9 && hi > 0.9);
  const rgba = { width: 1, height: 1, channels: 4 as const, data: Uint8Array.from([255, 0, 255, 7]) };
  const out = preprocess([rgba], { height: 1, width: 1, channels: 3, range: [-1, 1], resize: 'none' });
  assert.deepEqual(Array.from(out.input), [1, -1, 1]);
});
