// The handle every driver returns (PGlite, node-postgres): the drizzle database over the Neon schema,
// LISTEN/NOTIFY on the project's channels, and close. Its own file so the drivers and the opener both import it.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Schema } from './schema.ts';
import type { FolderLock } from '../files/folder-lock.ts';

/** The drizzle database; a transaction (`db.transaction(async (tx) => ...)`) is one too, so helpers take either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Driver = 'pglite' | 'node-postgres';

export interface Database {
  readonly driver: Driver;
  readonly db: Db;
  /** The Postgres schema the tables live in (also part of every channel name). */
  readonly schema: string;
  /** Where it is, for logs (no password). */
  readonly location: string;
  /** PGlite in a folder: the exclusive lock this process holds on it (none for node-postgres or memory). */
  readonly lock?: FolderLock;
  /**
   * Subscribes to a NOTIFY channel (its full name, see channelName). The callback gets the payload.
   * Resolves once listening; returns an unsubscribe function.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Base names of the channels the project notifies on; the full name carries the schema. */
export type ChannelBase = 'neon_events' | 'neon_jobs';

/** The full channel name: `<base>_<schema>`, so several schemas in one database don't wake each other. */
export function channelName(base: ChannelBase, schema: string): string {
  return `${base}_${schema}`;
}
