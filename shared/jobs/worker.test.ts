import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../db/test-backends.ts';
import type { Database } from '../db/database.ts';
import { sleep } from '../db/channel-watch.ts';
import { readEvents } from '../events/event-log.ts';
import { cancelJob, claimJob, enqueueJob, getJob, jobSubject } from './job-queue.ts';
import { waitForJob } from './wait-for-job.ts';
import { runWorker } from './worker.ts';

let typeCounter = 0;
const freshType = (what: string) => `${what}-${process.pid}-${++typeCounter}`;
const quiet = () => {};

for (const backend of await testBackends()) {
  describe(`worker on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('runs jobs concurrently, retries a failing one, and stops on abort', async () => {
      const type = freshType('work');
      const ids: number[] = [];
      for (let i = 0; i < 6; i++)
        ids.push((await enqueueJob(database.db, { type, payload: { i }, backoffMs: 20 })).job.id);
      let running = 0;
      let peak = 0;
      const attemptsSeen = new Map<number, number[]>();
      const ac = new AbortController();
      const loop = runWorker({
        database,
        type,
        concurrency: 2,
        leaseMs: 2000,
        pollMs: 50,
        signal: ac.signal,
        onError: quiet,
        handler: async (job, ctx) => {
          running++;
          peak = Math.max(peak, running);
          attemptsSeen.set(job.id, [...(attemptsSeen.get(job.id) ?? []), ctx.attempt]);
          try {
            await sleep(30);
            await ctx.progress({ half: true });
            if (job.payload.i === 3 && ctx.attempt === 1) throw new Error('flaky');
            return { square: (job.payload.i as number) ** 2 };
          } finally {
            running--;
          }
        },
      });
      const done = await Promise.all(ids.map((id) => waitForJob(database, id, { timeoutMs: 15_000 })));
      ac.abort();
      await loop;
      assert.deepEqual(
        done.map((j) => j?.state),
        Array(6).fill('succeeded'),
      );
      assert.deepEqual(
        done.map((j) => j?.result?.square),
        [0, 1, 4, 9, 16, 25],
      );
      assert.equal(peak, 2);
      assert.deepEqual(attemptsSeen.get(ids[3]), [1, 2]);
      const evs = await readEvents(database.db, { subject: jobSubject({ id: ids[3], subject: null }), limit: 50 });
      assert.deepEqual(
        evs.map((e) => e.type),
        ['job.queued', 'job.started', 'job.progress', 'job.retrying', 'job.started', 'job.progress', 'job.succeeded'],
      );
    });

    test("picks up a dead worker's job once its lease expires", async () => {
      const type = freshType('orphan');
      const { job } = await enqueueJob(database.db, { type, backoffMs: 1 });
      const dead = await claimJob(database.db, { types: type, worker: 'killed', leaseMs: 150 });
      assert.equal(dead?.id, job.id);
      const ac = new AbortController();
      const by: string[] = [];
      const loop = runWorker({
        database,
        type,
        worker: 'survivor',
        leaseMs: 2000,
        pollMs: 60_000,
        signal: ac.signal,
        onError: quiet,
        handler: async (_job, ctx) => {
          by.push(ctx.worker);
          return { ok: true };
        },
      });
      const done = await waitForJob(database, job.id, { timeoutMs: 10_000 });
      ac.abort();
      await loop;
      assert.equal(done?.state, 'succeeded');
      assert.equal(done?.attempts, 2);
      assert.deepEqual(by, ['survivor']);
    });

    test('is woken by NOTIFY when a job is enqueued', async () => {
      const type = freshType('notify');
      const ac = new AbortController();
      const loop = runWorker({
        database,
        type,
        pollMs: 60_000,
        signal: ac.signal,
        onError: quiet,
        handler: async () => ({ hi: 1 }),
      });
      await sleep(100);
      const { job } = await enqueueJob(database.db, { type });
      const done = await waitForJob(database, job.id, { timeoutMs: 10_000 });
      ac.abort();
      await loop;
      assert.equal(done?.state, 'succeeded');
    });

    test('on shutdown, a handler that stops gives its job back without using an attempt', async () => {
      const type = freshType('shutdown');
      const { job } = await enqueueJob(database.db, { type });
      const ac = new AbortController();
      let started!: () => void;
      const isStarted = new Promise<void>((r) => (started = r));
      const loop = runWorker({
        database,
        type,
        signal: ac.signal,
        onError: quiet,
        handler: async (_job, ctx) => {
          started();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        },
      });
      await isStarted;
      ac.abort();
      await loop;
      const after = await getJob(database.db, job.id);
      assert.equal(after?.state, 'queued');
      assert.equal(after?.attempts, 0);
    });

    test("cancelling a running job aborts its handler's signal at the next heartbeat", async () => {
      const type = freshType('cancel');
      const { job } = await enqueueJob(database.db, { type });
      const ac = new AbortController();
      let reason: unknown;
      let started!: () => void;
      const isStarted = new Promise<void>((r) => (started = r));
      const loop = runWorker({
        database,
        type,
        leaseMs: 300,
        heartbeatMs: 20,
        signal: ac.signal,
        onError: quiet,
        handler: async (_job, ctx) => {
          started();
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              resolve();
            }),
          );
          return { finished: 'anyway' };
        },
      });
      await isStarted;
      await cancelJob(database.db, job.id);
      for (let i = 0; i < 200 && reason === undefined; i++) await sleep(10);
      ac.abort();
      await loop;
      assert.ok(reason instanceof Error && reason.name === 'LeaseLostError', `reason ${String(reason)}`);
      const final = await getJob(database.db, job.id);
      assert.equal(final?.state, 'cancelled');
      assert.equal(final?.result, null);
    });
  });
}
