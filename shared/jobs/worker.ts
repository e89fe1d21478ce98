// A worker loop: claims jobs of its types, runs the handler under a heartbeated lease, and records the outcome.
// Woken by NOTIFY on enqueue (and polls, and sleeps exactly until a backoff or a lease runs out). On abort it
// stops claiming, aborts its handlers' signals, and gives back jobs whose handlers then throw (no attempt used).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sleep, watchChannel } from '../db/channel-watch.ts';
import type { Database } from '../db/database.ts';
import {
  claimJob,
  completeJob,
  failJob,
  heartbeatJob,
  LeaseLostError,
  msUntilClaimable,
  releaseJob,
  reportProgress,
  type ClaimedJob,
} from './job-queue.ts';

export interface JobContext {
  /** Aborted when the lease is lost (expired, reclaimed, cancelled) or the worker shuts down. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  worker: string;
  /** Records progress (job.progress event) and extends the lease. */
  progress(progress: Record<string, unknown>): Promise<void>;
}

export type JobHandler = (job: ClaimedJob, ctx: JobContext) => Promise<Record<string, unknown> | void>;

export interface WorkerOptions {
  database: Database;
  /** The job type(s) this worker runs. */
  type: string | readonly string[];
  handler: JobHandler;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** Lease length (default 30 s); a worker that stops heartbeating loses its jobs after this long. */
  leaseMs?: number;
  /** Heartbeat period (default leaseMs / 3). */
  heartbeatMs?: number;
  /** Longest sleep between claim attempts without a notification (default 1000 ms). */
  pollMs?: number;
  /** Names this worker in leases and events (default host:pid:random). */
  worker?: string;
  signal?: AbortSignal;
  /** Called with errors the loop survives (database hiccups, lost leases). Default: console.error. */
  onError?: (err: unknown, job?: ClaimedJob) => void;
}

export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Runs until the signal aborts and every in-flight job is settled. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const { database, handler } = opts;
  const db = database.db;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const leaseMs = opts.leaseMs ?? 30_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(10, Math.floor(leaseMs / 3));
  const pollMs = opts.pollMs ?? 1000;
  const worker = opts.worker ?? defaultWorkerName();
  const stop = opts.signal ?? new AbortController().signal;
  const onError =
    opts.onError ??
    ((err: unknown, job?: ClaimedJob) =>
      console.error(
        `worker ${worker}${job ? ` job ${job.id}` : ''}: ${err instanceof Error ? err.message : String(err)}`,
      ));
  const inflight = new Set<Promise<void>>();
  const freed = { wake: () => {} };

  const run = async (job: ClaimedJob): Promise<void> => {
    const ac = new AbortController();
    let lost = false;
    const onStop = () => ac.abort(new Error('worker shutting down'));
    stop.addEventListener('abort', onStop, { once: true });
    const beat = setInterval(() => {
      heartbeatJob(db, job, leaseMs).then(
        (ok) => {
          if (!ok && !lost) {
            lost = true;
            ac.abort(new LeaseLostError(job.id));
          }
        },
        (err) => onError(err, job),
      );
    }, heartbeatMs);
    const ctx: JobContext = {
      signal: ac.signal,
      attempt: job.attempts,
      worker,
      progress: async (p) => {
        if (!(await reportProgress(db, job, p, leaseMs)) && !lost) {
          lost = true;
          ac.abort(new LeaseLostError(job.id));
        }
      },
    };
    try {
      let outcome: { ok: true; result: Record<string, unknown> } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: (await handler(job, ctx)) ?? {} };
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        clearInterval(beat);
        stop.removeEventListener('abort', onStop);
      }
      if (lost) return; // another attempt owns the job now; this outcome does not count
      if (outcome.ok) await completeJob(db, job, outcome.result);
      else if (stop.aborted) await releaseJob(db, job);
      else await failJob(db, job, outcome.error);
    } catch (err) {
      onError(err, job);
    }
  };

  const stopped = new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    else stop.addEventListener('abort', () => resolve(), { once: true });
  });
  const watch = await watchChannel(database, 'neon_jobs');
  try {
    while (!stop.aborted) {
      if (inflight.size >= concurrency) {
        await Promise.race([new Promise<void>((resolve) => (freed.wake = resolve)), stopped]);
        continue;
      }
      const seen = watch.seen;
      let job: ClaimedJob | undefined;
      try {
        job = await claimJob(db, { types: opts.type, worker, leaseMs });
      } catch (err) {
        onError(err);
        await sleep(pollMs, stop);
        continue;
      }
      if (job) {
        const p = run(job).finally(() => {
          inflight.delete(p);
          freed.wake();
        });
        inflight.add(p);
        continue;
      }
      let wait = pollMs;
      try {
        const until = await msUntilClaimable(db, opts.type);
        if (until !== undefined) wait = Math.min(wait, until + 5);
      } catch (err) {
        onError(err);
      }
      await watch.next(seen, wait, stop);
    }
  } finally {
    await Promise.allSettled([...inflight]);
    await watch.close();
  }
}
