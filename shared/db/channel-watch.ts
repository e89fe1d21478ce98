// Wakes waiters when a NOTIFY channel fires, with a timer as the fallback: a waiter reads `seen` *before* it
// looks at the database and then waits with `next(seen, ...)`, so a notification that arrives while it looks
// still wakes it. When listening fails
// (e.g. the listener connection is down), waiters simply fall back to polling.
import { channelName, type ChannelBase, type Database } from './database.ts';

export interface ChannelWatch {
  /** How many notifications have arrived so far. */
  readonly seen: number;
  /**
   * Resolves once more than `since` notifications have arrived (at once if they already have), after
   * `timeoutMs`, or on abort, whichever is first; never rejects.
   */
  next(since: number, timeoutMs: number, signal?: AbortSignal): Promise<'notified' | 'timeout' | 'aborted'>;
  /** Whether LISTEN is in place (false: polling only). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export async function watchChannel(database: Database, base: ChannelBase): Promise<ChannelWatch> {
  let waiters: (() => void)[] = [];
  let count = 0;
  const wake = () => {
    count++;
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await database.listen(channelName(base, database.schema), wake);
  } catch {
    unlisten = undefined;
  }
  return {
    listening: unlisten !== undefined,
    get seen() {
      return count;
    },
    next(since, timeoutMs, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve('aborted');
        if (count > since) return resolve('notified');
        const done = (why: 'notified' | 'timeout' | 'aborted') => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          waiters = waiters.filter((w) => w !== onNotify);
          resolve(why);
        };
        const onNotify = () => done('notified');
        const onAbort = () => done('aborted');
        waiters.push(onNotify);
        const timer = setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async close() {
      wake();
      await unlisten?.();
    },
  };
}

/** Sleeps, or stops early on abort; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
