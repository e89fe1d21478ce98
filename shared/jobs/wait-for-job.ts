// Waiting for a job to reach a final state (succeeded, failed, cancelled), woken by the event log.
import { watchChannel } from '../db/channel-watch.ts';
import type { Database } from '../db/database.ts';
import { FINAL_JOB_STATES, getJob, type Job } from './job-queue.ts';

/** The job once final; undefined on timeout or abort. Throws if there is no such job. */
export async function waitForJob(
  database: Database,
  id: number,
  opts: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<Job | undefined> {
  const watch = await watchChannel(database, 'neon_events');
  try {
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    while (true) {
      const seen = watch.seen;
      const job = await getJob(database.db, id);
      if (!job) throw new Error(`no job ${id}`);
      if (FINAL_JOB_STATES.includes(job.state)) return job;
      const left = deadline - Date.now();
      if (left <= 0 || opts.signal?.aborted) return undefined;
      if ((await watch.next(seen, Math.min(opts.pollMs ?? 1000, left), opts.signal)) === 'aborted') return undefined;
    }
  } finally {
    await watch.close();
  }
}
