// One database handle for every driver: a drizzle database over the Neon schema, LISTEN/NOTIFY, and close.
// PGlite (embedded, one process) by default; node-postgres when a URL is configured.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { databaseConfigSchema, type DatabaseConfig, type ResolvedDatabaseConfig } from './config.ts';
import { migrate } from './migrate.ts';
import type { Schema } from './schema.ts';

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

/** Opens the configured database and (unless `migrate: false`) applies pending migrations. */
export async function openDatabase(config: DatabaseConfig = {}): Promise<Database> {
  const cfg: ResolvedDatabaseConfig = databaseConfigSchema.parse(config);
  const database = cfg.url
    ? await (await import('./node-postgres/open.ts')).openNodePostgres(cfg.url, cfg)
    : await (await import('./pglite/open.ts')).openPglite(cfg);
  if (cfg.migrate) {
    try {
      await migrate(database.db, { schema: database.schema });
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}
