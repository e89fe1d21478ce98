// The append-only event log. Appends take the events table's EXCLUSIVE lock for the rest of their transaction,
// so ids are handed out and committed in the same order: a reader that has seen id n will never later see a
// smaller id appear, and "id > cursor" never skips an event. Readers are not blocked by the lock.
// Keep appending transactions short, and append last in them. Each append notifies `neon_events_<schema>`.
import { and, asc, eq, gt, inArray, like, max, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { events, type EventRow } from '../db/schema.ts';

export type NeonEvent = EventRow;

export interface NewEvent {
  type: string;
  subject: string;
  payload?: Record<string, unknown>;
}

/** Which events a reader wants; all given conditions must hold. */
export interface EventFilter {
  /** Exactly this subject, e.g. `run:r1`. */
  subject?: string;
  /** Subjects starting with this, e.g. `run:`. */
  subjectPrefix?: string;
  /** Only these event types. */
  types?: readonly string[];
}

/** Appends events in order (in the caller's transaction when `db` is one) and returns them with their ids. */
export async function appendEvents(db: Db, batch: readonly NewEvent[]): Promise<NeonEvent[]> {
  if (batch.length === 0) return [];
  for (const e of batch) {
    if (!e.type) throw new Error('event type must not be empty');
    if (!e.subject) throw new Error('event subject must not be empty');
  }
  return db.transaction(async (tx) => {
    await tx.execute(sql`LOCK TABLE ${events} IN EXCLUSIVE MODE`);
    const rows = await tx
      .insert(events)
      .values(batch.map((e) => ({ type: e.type, subject: e.subject, payload: e.payload ?? {} })))
      .returning();
    rows.sort((a, b) => a.id - b.id);
    const last = rows[rows.length - 1].id;
    await tx.execute(sql`SELECT pg_notify('neon_events_' || current_schema(), ${String(last)})`);
    return rows;
  });
}

export async function appendEvent(db: Db, event: NewEvent): Promise<NeonEvent> {
  return (await appendEvents(db, [event]))[0];
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function filterCondition(filter: EventFilter): SQL | undefined {
  const conds: SQL[] = [];
  if (filter.subject !== undefined) conds.push(eq(events.subject, filter.subject));
  if (filter.subjectPrefix !== undefined) conds.push(like(events.subject, `${escapeLike(filter.subjectPrefix)}%`));
  if (filter.types !== undefined)
    conds.push(filter.types.length > 0 ? inArray(events.type, [...filter.types]) : sql`false`);
  return conds.length > 0 ? and(...conds) : undefined;
}

export interface ReadOptions extends EventFilter {
  /** The cursor: events with id > after (default 0, from the start). */
  after?: number;
  /** At most this many (default 100, at most 10000). */
  limit?: number;
}

/** Events after the cursor, in id order. The next cursor is the last id returned. */
export async function readEvents(db: Db, opts: ReadOptions = {}): Promise<NeonEvent[]> {
  const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? 100)), 10_000);
  return db
    .select()
    .from(events)
    .where(and(gt(events.id, opts.after ?? 0), filterCondition(opts)))
    .orderBy(asc(events.id))
    .limit(limit);
}

/** The id of the newest event (matching the filter), or 0: a cursor for "from now on". */
export async function lastEventId(db: Db, filter: EventFilter = {}): Promise<number> {
  const [row] = await db
    .select({ id: max(events.id) })
    .from(events)
    .where(filterCondition(filter));
  return row?.id ?? 0;
}
