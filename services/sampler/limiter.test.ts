import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter, QueueFullError } from './limiter.ts';

test('the limiter runs at most `active` at once, queues up to `queue` in order, and refuses beyond', async () => {
  const l = new Limiter(2, 2);
  const order: number[] = [];
  let running = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  const job = (i: number) =>
    l.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return i;
    });
  const ps = [0, 1, 2, 3].map(job);
  await assert.rejects(job(4), QueueFullError);
  assert.deepEqual(l.stats, { running: 2, waiting: 2 });
  // release the running ones one at a time; the queued ones start in order
  for (let k = 0; k < 100 && order.length < 4; k++) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  gates.forEach((g) => g());
  assert.deepEqual(await Promise.all(ps), [0, 1, 2, 3]);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(peak, 2);
  assert.deepEqual(l.stats, { running: 0, waiting: 0 });
});

test('a failing task frees its slot', async () => {
  const l = new Limiter(1, 0);
  await assert.rejects(
    l.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await l.run(async () => 7), 7);
});
