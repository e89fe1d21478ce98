// The job queue in Postgres. A job is enqueued once per idempotency key; workers claim queued jobs of their types
// with FOR UPDATE SKIP LOCKED and hold them under a lease (a token and an expiry) that heartbeats extend. A lease
// that runs out (the worker died) puts the job back in the queue, like a failed attempt; failed attempts are retried
// after an exponential backoff until max_attempts, then the job fails for good.
// Every transition appends an event, in the same transaction, with the job's subject (default `job:<id>`):
//   job.queued → job.started → (job.progress)* → job.succeeded
//                            ↘ job.retrying (error | lease_expired | released) → job.started ...
//                            ↘ job.failed (attempts used up, or a PermanentJobError)
//   job.cancelled (from queued or running)
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { jobs, type JobRow } from '../db/schema.ts';
import { appendEvent } from '../events/event-log.ts';
import { backoffDelayMs } from './backoff.ts';

export type Job = JobRow;
/** A job as its claimer holds it: the lease token proves the claim in every later call. */
export type ClaimedJob = JobRow & { leaseToken: string };
export type LeaseRef = Pick<JobRow, 'id'> & { leaseToken: string };

export const FINAL_JOB_STATES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/** The claim is gone (the lease expired and the job was requeued or claimed again, or it was cancelled). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly jobId: number) {
    super(`job ${jobId}: lease lost (expired, reclaimed or cancelled)`);
  }
}

/** Thrown by a handler for an error that retrying cannot fix: the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface EnqueueOptions {
  type: string;
  /** Idempotency key (unique across all jobs): enqueueing it again returns the existing job. */
  key?: string;
  /** Subject of the job's events (default `job:<id>`), e.g. `run:<id>`. */
  subject?: string;
  payload?: Record<string, unknown>;
  /** Higher first. */
  priority?: number;
  /** Attempts before the job fails (default 3). */
  maxAttempts?: number;
  /** Backoff base: the wait after the first failed attempt (default 1000 ms), doubling, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Not claimable before this time. */
  runAt?: Date;
}

/** The subject a job's events are appended under. */
export function jobSubject(job: Pick<JobRow, 'id' | 'subject'>): string {
  return job.subject ?? `job:${job.id}`;
}

function eventPayload(job: JobRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { job_id: job.id, job_type: job.type, key: job.key, attempt: job.attempts, state: job.state, ...extra };
}

async function notifyWorkers(db: Db, type: string): Promise<void> {
  await db.execute(sql`SELECT pg_notify('neon_jobs_' || current_schema(), ${type})`);
}

function errorText(err: unknown): string {
  const s = err instanceof Error ? err.message || err.name : String(err);
  return s.length > 4000 ? `${s.slice(0, 4000)}…` : s;
}

function ms(n: number) {
  return sql`(now() + ${Math.max(0, Math.round(n))}::double precision * interval '1 millisecond')`;
}

/** Enqueues a job, once per key: `created` is false when the key was already there (that job is returned). */
export async function enqueueJob(db: Db, opts: EnqueueOptions): Promise<{ job: Job; created: boolean }> {
  if (!opts.type) throw new Error('job type must not be empty');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(jobs)
      .values({
        type: opts.type,
        key: opts.key ?? null,
        subject: opts.subject ?? null,
        payload: opts.payload ?? {},
        priority: opts.priority ?? 0,
        maxAttempts: opts.maxAttempts ?? 3,
        backoffMs: opts.backoffMs ?? 1000,
        maxBackoffMs: opts.maxBackoffMs ?? 300_000,
        ...(opts.runAt ? { runAt: opts.runAt } : {}),
      })
      .onConflictDoNothing({ target: jobs.key })
      .returning();
    if (!row) {
      const [existing] = await tx.select().from(jobs).where(eq(jobs.key, opts.key!));
      if (!existing) throw new Error(`job key ${opts.key}: conflict but no job found`);
      return { job: existing, created: false };
    }
    await notifyWorkers(tx, row.type);
    await appendEvent(tx, {
      type: 'job.queued',
      subject: jobSubject(row),
      payload: eventPayload(row, { payload: row.payload }),
    });
    return { job: row, created: true };
  });
}

export async function getJob(db: Db, id: number): Promise<Job | undefined> {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  return row;
}

export async function getJobByKey(db: Db, key: string): Promise<Job | undefined> {
  const [row] = await db.select().from(jobs).where(eq(jobs.key, key));
  return row;
}

function typeList(types: string | readonly string[]): string[] {
  const list = typeof types === 'string' ? [types] : [...types];
  if (list.length === 0) throw new Error('at least one job type is needed');
  return list;
}

/**
 * Requeues (or fails, when out of attempts) running jobs whose lease has run out. claimJob does this for its
 * types; call it without types to sweep all. Returns how many it moved.
 */
export async function reapExpiredJobs(db: Db, types?: string | readonly string[]): Promise<number> {
  return db.transaction(async (tx) => {
    const expired = await tx
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.state, 'running'),
          sql`${jobs.leaseExpiresAt} < now()`,
          types === undefined ? undefined : inArray(jobs.type, typeList(types)),
        ),
      )
      .orderBy(asc(jobs.id))
      .limit(100)
      .for('update', { skipLocked: true });
    for (const job of expired) await settleFailedAttempt(tx, job, 'lease expired', false, 'lease_expired');
    return expired.length;
  });
}

/** Claims the next claimable job of these types for `worker`, or returns undefined when there is none. */
export async function claimJob(
  db: Db,
  opts: { types: string | readonly string[]; worker: string; leaseMs: number },
): Promise<ClaimedJob | undefined> {
  const types = typeList(opts.types);
  await reapExpiredJobs(db, types);
  return db.transaction(async (tx) => {
    const [next] = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(inArray(jobs.type, types), eq(jobs.state, 'queued'), lte(jobs.runAt, sql`now()`)))
      .orderBy(desc(jobs.priority), asc(jobs.runAt), asc(jobs.id))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!next) return undefined;
    const token = randomUUID();
    const [job] = await tx
      .update(jobs)
      .set({
        state: 'running',
        attempts: sql`${jobs.attempts} + 1`,
        leaseToken: token,
        leaseOwner: opts.worker,
        leaseExpiresAt: ms(opts.leaseMs),
        startedAt: sql`coalesce(${jobs.startedAt}, now())`,
        updatedAt: sql`now()`,
      })
      .where(eq(jobs.id, next.id))
      .returning();
    await appendEvent(tx, {
      type: 'job.started',
      subject: jobSubject(job),
      payload: eventPayload(job, { worker: opts.worker, lease_expires_at: job.leaseExpiresAt?.toISOString() }),
    });
    return job as ClaimedJob;
  });
}

function held(lease: LeaseRef) {
  return and(eq(jobs.id, lease.id), eq(jobs.leaseToken, lease.leaseToken), eq(jobs.state, 'running'));
}

/** Extends the lease; false when it is lost (the handler should stop). */
export async function heartbeatJob(db: Db, lease: LeaseRef, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ leaseExpiresAt: ms(leaseMs), updatedAt: sql`now()` })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** Records progress (and extends the lease when leaseMs is given); appends job.progress. False when the lease is lost. */
export async function reportProgress(
  db: Db,
  lease: LeaseRef,
  progress: Record<string, unknown>,
  leaseMs?: number,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({ progress, updatedAt: sql`now()`, ...(leaseMs !== undefined ? { leaseExpiresAt: ms(leaseMs) } : {}) })
      .where(held(lease))
      .returning();
    if (!job) return false;
    await appendEvent(tx, { type: 'job.progress', subject: jobSubject(job), payload: eventPayload(job, { progress }) });
    return true;
  });
}

/** Marks the job succeeded with its result; appends job.succeeded. Throws LeaseLostError if the claim is gone. */
export async function completeJob(db: Db, lease: LeaseRef, result: Record<string, unknown> = {}): Promise<Job> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({
        state: 'succeeded',
        result,
        error: null,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(held(lease))
      .returning();
    if (!job) throw new LeaseLostError(lease.id);
    await appendEvent(tx, { type: 'job.succeeded', subject: jobSubject(job), payload: eventPayload(job, { result }) });
    return job;
  });
}

/** A failed attempt of a locked row: retry after backoff, or fail for good. */
async function settleFailedAttempt(
  tx: Db,
  job: Job,
  error: string,
  permanent: boolean,
  reason: 'error' | 'lease_expired',
): Promise<Job> {
  if (permanent || job.attempts >= job.maxAttempts) {
    const [failed] = await tx
      .update(jobs)
      .set({
        state: 'failed',
        error,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(jobs.id, job.id))
      .returning();
    await appendEvent(tx, {
      type: 'job.failed',
      subject: jobSubject(failed),
      payload: eventPayload(failed, { error, reason, permanent }),
    });
    return failed;
  }
  const delay = backoffDelayMs(job.attempts, job.backoffMs, job.maxBackoffMs);
  const [queued] = await tx
    .update(jobs)
    .set({
      state: 'queued',
      error,
      runAt: ms(delay),
      leaseToken: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: sql`now()`,
    })
    .where(eq(jobs.id, job.id))
    .returning();
  await notifyWorkers(tx, queued.type);
  await appendEvent(tx, {
    type: 'job.retrying',
    subject: jobSubject(queued),
    payload: eventPayload(queued, { error, reason, retry_in_ms: delay, run_at: queued.runAt.toISOString() }),
  });
  return queued;
}

/**
 * Records a failed attempt: the job is retried after backoff (job.retrying), or fails (job.failed) when its
 * attempts are used up or the error is a PermanentJobError. Throws LeaseLostError if the claim is gone.
 */
export async function failJob(db: Db, lease: LeaseRef, err: unknown): Promise<Job> {
  return db.transaction(async (tx) => {
    const [job] = await tx.select().from(jobs).where(held(lease)).for('update');
    if (!job) throw new LeaseLostError(lease.id);
    return settleFailedAttempt(tx, job, errorText(err), err instanceof PermanentJobError, 'error');
  });
}

/** Gives a claimed job back without using up an attempt (a worker shutting down); appends job.retrying. */
export async function releaseJob(db: Db, lease: LeaseRef): Promise<Job> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({
        state: 'queued',
        attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
        runAt: sql`now()`,
        leaseToken: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: sql`now()`,
      })
      .where(held(lease))
      .returning();
    if (!job) throw new LeaseLostError(lease.id);
    await notifyWorkers(tx, job.type);
    await appendEvent(tx, {
      type: 'job.retrying',
      subject: jobSubject(job),
      payload: eventPayload(job, { reason: 'released', retry_in_ms: 0 }),
    });
    return job;
  });
}

/** Cancels a queued or running job (a running handler learns at its next heartbeat); undefined if it was final. */
export async function cancelJob(db: Db, id: number, reason = 'cancelled'): Promise<Job | undefined> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({
        state: 'cancelled',
        error: reason,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobs.id, id), inArray(jobs.state, ['queued', 'running'])))
      .returning();
    if (!job) return undefined;
    await appendEvent(tx, { type: 'job.cancelled', subject: jobSubject(job), payload: eventPayload(job, { reason }) });
    return job;
  });
}

/** Puts a failed or cancelled job back in the queue with fresh attempts; appends job.queued. */
export async function retryJob(db: Db, id: number): Promise<Job | undefined> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({ state: 'queued', attempts: 0, runAt: sql`now()`, finishedAt: null, updatedAt: sql`now()` })
      .where(and(eq(jobs.id, id), inArray(jobs.state, ['failed', 'cancelled'])))
      .returning();
    if (!job) return undefined;
    await notifyWorkers(tx, job.type);
    await appendEvent(tx, {
      type: 'job.queued',
      subject: jobSubject(job),
      payload: eventPayload(job, { reason: 'retry' }),
    });
    return job;
  });
}

/**
 * Milliseconds until a job of these types may become claimable (the earliest queued run_at or running lease
 * expiry; 0 if one is claimable now), or undefined when there is nothing to wait for.
 */
export async function msUntilClaimable(db: Db, types: string | readonly string[]): Promise<number | undefined> {
  const list = typeList(types);
  const [row] = await db
    .select({
      wait: sql<string | number | null>`extract(epoch from (least(
        min(${jobs.runAt}) filter (where ${jobs.state} = 'queued'),
        min(${jobs.leaseExpiresAt}) filter (where ${jobs.state} = 'running')
      ) - now())) * 1000`,
    })
    .from(jobs)
    .where(and(inArray(jobs.type, list), inArray(jobs.state, ['queued', 'running'])));
  if (!row || row.wait === null) return undefined;
  return Math.max(0, Number(row.wait));
}
