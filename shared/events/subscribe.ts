// Reading the event log as it grows: wait for events after a cursor, or iterate over them forever
// (LISTEN/NOTIFY wakes readers at once; they also poll, every `pollMs`, in case a notification is lost).
import { watchChannel } from '../db/channel-watch.ts';
import type { Database } from '../db/database.ts';
import { readEvents, type EventFilter, type NeonEvent } from './event-log.ts';

export interface WaitOptions extends EventFilter {
  /** The cursor: wait for events with id > after. */
  after: number;
  /** Return at most this many (default 100). */
  limit?: number;
  /** Give up after this long and return [] (default: wait until aborted). */
  timeoutMs?: number;
  /** Re-read at least this often even without a notification (default 1000 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** The next events after the cursor, as soon as there are any; [] on timeout or abort. */
export async function waitForEvents(database: Database, opts: WaitOptions): Promise<NeonEvent[]> {
  const watch = await watchChannel(database, 'neon_events');
  try {
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    const pollMs = opts.pollMs ?? 1000;
    while (true) {
      const seen = watch.seen;
      const rows = await readEvents(database.db, opts);
      if (rows.length > 0) return rows;
      const left = deadline - Date.now();
      if (left <= 0 || opts.signal?.aborted) return [];
      if ((await watch.next(seen, Math.min(pollMs, left), opts.signal)) === 'aborted') return [];
    }
  } finally {
    await watch.close();
  }
}

export interface SubscribeOptions extends EventFilter {
  /** Start after this id (0: from the beginning; use lastEventId() for "from now on"). */
  after: number;
  /** Rows read per query (default 500). */
  batch?: number;
  pollMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/**
 * Every matching event after the cursor, in order, then new ones as they are appended, until the signal aborts
 * (or the consumer breaks out of the loop). Suits server-sent events: the event id is the SSE id, and a client's
 * Last-Event-ID is the cursor to resume from.
 */
export async function* subscribeEvents(
  database: Database,
  opts: SubscribeOptions,
): AsyncGenerator<NeonEvent, void, undefined> {
  const watch = await watchChannel(database, 'neon_events');
  const pollMs = opts.pollMs ?? 1000;
  let cursor = opts.after;
  try {
    while (!opts.signal?.aborted) {
      const seen = watch.seen;
      const rows = await readEvents(database.db, { ...opts, after: cursor, limit: opts.batch ?? 500 });
      for (const row of rows) {
        cursor = row.id;
        yield row;
        if (opts.signal?.aborted) return;
      }
      if (rows.length === (opts.batch ?? 500)) continue;
      if ((await watch.next(seen, pollMs, opts.signal)) === 'aborted') return;
    }
  } finally {
    await watch.close();
  }
}
