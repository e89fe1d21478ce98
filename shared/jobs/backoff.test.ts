import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs } from './backoff.ts';

test('backoff doubles per attempt from the base and stops at the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, 100, 1000)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelayMs(0, 50, 1000), 50);
  assert.equal(backoffDelayMs(60, 1000, 300_000), 300_000);
});
