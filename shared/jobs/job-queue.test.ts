import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../db/test-backends.ts';
import type { Database } from '../db/database.ts';
import { sleep } from '../db/channel-watch.ts';
import { lastEventId, readEvents } from '../events/event-log.ts';
import {
  cancelJob,
  claimJob,
  completeJob,
  enqueueJob,
  failJob,
  getJob,
  heartbeatJob,
  jobSubject,
  LeaseLostError,
  msUntilClaimable,
  PermanentJobError,
  releaseJob,
  reportProgress,
  retryJob,
  type ClaimedJob,
} from './job-queue.ts';
import { waitForJob } from './wait-for-job.ts';

let typeCounter = 0;
const freshType = (what: string) => `${what}-${process.pid}-${++typeCounter}`;

for (const backend of await testBackends()) {
  describe(`job queue on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('enqueue is idempotent on the key, also when racing', async () => {
      const type = freshType('idem');
      const cursor = await lastEventId(database.db);
      const a = await enqueueJob(database.db, { type, key: `${type}:k1`, payload: { x: 1 } });
      const b = await enqueueJob(database.db, { type, key: `${type}:k1`, payload: { x: 2 } });
      assert.equal(a.created, true);
      assert.equal(b.created, false);
      assert.equal(b.job.id, a.job.id);
      assert.deepEqual(b.job.payload, { x: 1 });
      const raced = await Promise.all(
        Array.from({ length: 8 }, () => enqueueJob(database.db, { type, key: `${type}:k2` })),
      );
      assert.equal(raced.filter((r) => r.created).length, 1);
      assert.equal(new Set(raced.map((r) => r.job.id)).size, 1);
      const queued = await readEvents(database.db, { after: cursor, types: ['job.queued'], subjectPrefix: 'job:' });
      assert.deepEqual(queued.map((e) => e.payload.key).sort(), [`${type}:k1`, `${type}:k2`]);
    });

    test('concurrent claimers never claim a job twice, and claim them all', async () => {
      const type = freshType('conc');
      const n = 30;
      for (let i = 0; i < n; i++) await enqueueJob(database.db, { type, key: `${type}:${i}` });
      const claimed: number[] = [];
      const claimer = async (w: number) => {
        while (true) {
          const job = await claimJob(database.db, { types: type, worker: `w${w}`, leaseMs: 10_000 });
          if (!job) return;
          claimed.push(job.id);
          await completeJob(database.db, job, { by: w });
        }
      };
      await Promise.all(Array.from({ length: 6 }, (_, w) => claimer(w)));
      assert.equal(claimed.length, n);
      assert.equal(new Set(claimed).size, n);
      assert.equal(await claimJob(database.db, { types: type, worker: 'late', leaseMs: 1000 }), undefined);
    });

    test('claims only the given types, highest priority first', async () => {
      const type = freshType('prio');
      const other = freshType('other');
      await enqueueJob(database.db, { type: other, priority: 100 });
      const low = await enqueueJob(database.db, { type, priority: 0 });
      const high = await enqueueJob(database.db, { type, priority: 5 });
      const first = await claimJob(database.db, { types: [type], worker: 'w', leaseMs: 5000 });
      const second = await claimJob(database.db, { types: [type], worker: 'w', leaseMs: 5000 });
      assert.equal(first?.id, high.job.id);
      assert.equal(second?.id, low.job.id);
      assert.equal(await claimJob(database.db, { types: [type], worker: 'w', leaseMs: 5000 }), undefined);
    });

    test('an expired lease makes the job claimable again; the old claim is void', async () => {
      const type = freshType('lease');
      const { job } = await enqueueJob(database.db, { type, maxAttempts: 3, backoffMs: 1 });
      const dead = await claimJob(database.db, { types: type, worker: 'dies', leaseMs: 80 });
      assert.equal(dead?.id, job.id);
      assert.equal(await claimJob(database.db, { types: type, worker: 'other', leaseMs: 1000 }), undefined);
      await sleep(120);
      const again = await claimJob(database.db, { types: type, worker: 'other', leaseMs: 5000 });
      assert.equal(again?.id, job.id);
      assert.equal(again?.attempts, 2);
      assert.equal(again?.leaseOwner, 'other');
      assert.equal(await heartbeatJob(database.db, dead!, 1000), false);
      await assert.rejects(completeJob(database.db, dead!, { stale: true }), LeaseLostError);
      const done = await completeJob(database.db, again!, { fresh: true });
      assert.deepEqual(done.result, { fresh: true });
      const evs = await readEvents(database.db, { subject: jobSubject(job), limit: 100 });
      assert.deepEqual(
        evs.map((e) => e.type),
        ['job.queued', 'job.started', 'job.retrying', 'job.started', 'job.succeeded'],
      );
      assert.equal(evs[2].payload.reason, 'lease_expired');
    });

    test('heartbeats keep a lease alive past its length', async () => {
      const type = freshType('beat');
      await enqueueJob(database.db, { type });
      const job = await claimJob(database.db, { types: type, worker: 'alive', leaseMs: 120 });
      assert.ok(job);
      for (let i = 0; i < 6; i++) {
        await sleep(40);
        assert.equal(await heartbeatJob(database.db, job, 120), true);
        assert.equal(await claimJob(database.db, { types: type, worker: 'thief', leaseMs: 120 }), undefined);
      }
      assert.equal(await reportProgress(database.db, job, { step: 3, of: 10 }, 120), true);
      assert.deepEqual((await getJob(database.db, job.id))?.progress, { step: 3, of: 10 });
      await completeJob(database.db, job);
    });

    test('failed attempts retry with exponential backoff, then fail for good', async () => {
      const type = freshType('retry');
      const { job } = await enqueueJob(database.db, {
        type,
        key: `${type}:x`,
        maxAttempts: 3,
        backoffMs: 1000,
        maxBackoffMs: 10_000,
      });
      const attempt = async (): Promise<ClaimedJob> => {
        for (let i = 0; i < 500; i++) {
          const c = await claimJob(database.db, { types: type, worker: 'w', leaseMs: 5000 });
          if (c) return c;
          await sleep(10);
        }
        throw new Error('never claimable');
      };
      const a1 = await attempt();
      const r1 = await failJob(database.db, a1, new Error('first'));
      assert.equal(r1.state, 'queued');
      assert.equal(r1.error, 'first');
      // backoff 1 s: not claimable at once (bounds are loose: the machine may be busy)
      assert.equal(await claimJob(database.db, { types: type, worker: 'w', leaseMs: 5000 }), undefined);
      const wait1 = await msUntilClaimable(database.db, type);
      assert.ok(wait1 !== undefined && wait1 > 0 && wait1 <= 1000, `wait ${wait1}`);
      const a2 = await attempt();
      assert.equal(a2.attempts, 2);
      const r2 = await failJob(database.db, a2, new Error('second'));
      const wait2 = await msUntilClaimable(database.db, type);
      assert.ok(wait2 !== undefined && wait2 > 1000 && wait2 <= 2000, `wait ${wait2}`);
      const a3 = await attempt();
      const r3 = await failJob(database.db, a3, new Error('third'));
      assert.equal(r3.state, 'failed');
      assert.equal(r3.attempts, 3);
      assert.equal(await msUntilClaimable(database.db, type), undefined);
      const evs = await readEvents(database.db, { subject: jobSubject(job), limit: 100 });
      assert.deepEqual(
        evs.map((e) => e.type),
        ['job.queued', 'job.started', 'job.retrying', 'job.started', 'job.retrying', 'job.started', 'job.failed'],
      );
      assert.deepEqual(
        evs.filter((e) => e.type === 'job.retrying').map((e) => e.payload.retry_in_ms),
        [1000, 2000],
      );
      assert.ok(r2.runAt.getTime() - r1.runAt.getTime() > 0);
      // a failed job can be retried by hand, with fresh attempts
      const again = await retryJob(database.db, job.id);
      assert.equal(again?.state, 'queued');
      assert.equal(again?.attempts, 0);
    });

    test('a PermanentJobError fails at once; release gives a job back without using an attempt', async () => {
      const type = freshType('perm');
      await enqueueJob(database.db, { type, maxAttempts: 5 });
      const a = await claimJob(database.db, { types: type, worker: 'w', leaseMs: 5000 });
      const failed = await failJob(database.db, a!, new PermanentJobError('bad input'));
      assert.equal(failed.state, 'failed');
      assert.equal(failed.attempts, 1);

      const type2 = freshType('release');
      await enqueueJob(database.db, { type: type2 });
      const b = await claimJob(database.db, { types: type2, worker: 'w', leaseMs: 5000 });
      const released = await releaseJob(database.db, b!);
      assert.equal(released.state, 'queued');
      assert.equal(released.attempts, 0);
      const c = await claimJob(database.db, { types: type2, worker: 'w2', leaseMs: 5000 });
      assert.equal(c?.id, b!.id);
      assert.equal(c?.attempts, 1);
      await completeJob(database.db, c!);
    });

    test('a job enqueued with a subject reports under it; cancel voids a running claim', async () => {
      const type = freshType('subj');
      const subject = `run:${type}`;
      const { job } = await enqueueJob(database.db, { type, subject, key: `${subject}:step1` });
      const claimed = await claimJob(database.db, { types: type, worker: 'w', leaseMs: 5000 });
      const cancelled = await cancelJob(database.db, job.id, 'run stopped');
      assert.equal(cancelled?.state, 'cancelled');
      assert.equal(await heartbeatJob(database.db, claimed!, 5000), false);
      await assert.rejects(completeJob(database.db, claimed!), LeaseLostError);
      assert.equal(await cancelJob(database.db, job.id), undefined);
      const evs = await readEvents(database.db, { subject });
      assert.deepEqual(
        evs.map((e) => e.type),
        ['job.queued', 'job.started', 'job.cancelled'],
      );
      assert.equal(evs[0].payload.key, `${subject}:step1`);
    });

    test('waitForJob returns the job once it is final', async () => {
      const type = freshType('wait');
      const { job } = await enqueueJob(database.db, { type });
      const waiting = waitForJob(database, job.id, { timeoutMs: 10_000, pollMs: 60_000 });
      const claimed = await claimJob(database.db, { types: type, worker: 'w', leaseMs: 5000 });
      await sleep(20);
      await completeJob(database.db, claimed!, { answer: 42 });
      const done = await waiting;
      assert.equal(done?.state, 'succeeded');
      assert.deepEqual(done?.result, { answer: 42 });
      assert.equal(
        await waitForJob(database, (await enqueueJob(database.db, { type: freshType('never') })).job.id, {
          timeoutMs: 50,
          pollMs: 10,
        }),
        undefined,
      );
    });
  });
}
