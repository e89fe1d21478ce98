// Server-sent events over the event log: each event is one SSE message (id = event id, event = type,
// data = the event as JSON); a client that reconnects with Last-Event-ID resumes right after it.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Database } from '../db/database.ts';
import type { EventFilter, NeonEvent } from './event-log.ts';
import { subscribeEvents } from './subscribe.ts';
import { ApiError } from '../http/errors.ts';

/** Event streams one process holds open at most (each holds a poll loop); more get a 503 until one closes. */
export const MAX_OPEN_STREAMS = 256;
let openStreams = 0;

/** How many event streams this process holds open now. */
export function openEventStreams(): number {
  return openStreams;
}

export interface StreamEventsOptions {
  filter: EventFilter;
  /** Start after this id; default: the Last-Event-ID header, else the `after` query parameter, else 0. */
  after?: number;
  /** End the stream after the first event for which this is true (e.g. a run's final event). */
  until?: (event: NeonEvent) => boolean;
  pollMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
  /** The cap on open streams (default MAX_OPEN_STREAMS). */
  maxOpen?: number;
}

/** The resume cursor a client asks for: Last-Event-ID, else ?after=, else 0. Anything but an event id is a 400. */
export function sseCursor(c: Context): number {
  for (const [param, raw] of [
    ['Last-Event-ID', c.req.header('last-event-id')],
    ['after', c.req.query('after')],
  ] as const) {
    if (raw === undefined) continue;
    const v = raw.trim();
    if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new ApiError(
        400,
        `${param} must be an event id (a non-negative integer below 2^53), got '${v.slice(0, 40)}${v.length > 40 ? '…' : ''}'`,
        param,
        'invalid_value',
      );
    }
    return Number(v);
  }
  return 0;
}

/** The JSON form of an event. */
export function eventJson(e: NeonEvent): Record<string, unknown> {
  return { id: e.id, type: e.type, subject: e.subject, payload: e.payload, created_at: e.createdAt.toISOString() };
}

export function streamEvents(c: Context, database: Database, opts: StreamEventsOptions): Response {
  const after = opts.after ?? sseCursor(c);
  const max = opts.maxOpen ?? MAX_OPEN_STREAMS;
  if (openStreams >= max)
    throw new ApiError(
      503,
      `this server holds ${openStreams} event streams open, its limit; retry later`,
      null,
      'too_many_streams',
    );
  openStreams++;
  return streamSSE(c, async (stream) => {
    const ac = new AbortController();
    stream.onAbort(() => ac.abort());
    const keepAlive = setInterval(() => {
      stream.write(': keep-alive\n\n').catch(() => ac.abort());
    }, opts.keepAliveMs ?? 15_000);
    try {
      for await (const e of subscribeEvents(database, {
        ...opts.filter,
        after,
        pollMs: opts.pollMs,
        signal: ac.signal,
      })) {
        await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(eventJson(e)) });
        if (opts.until?.(e)) break;
      }
    } finally {
      clearInterval(keepAlive);
      openStreams--;
    }
  });
}
