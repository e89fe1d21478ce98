// One database handle for every driver: a drizzle database over the Neon schema, LISTEN/NOTIFY, and close.
// PGlite (embedded, one process) by default; node-postgres when a URL is configured.
import { databaseConfigSchema, type DatabaseConfig, type ResolvedDatabaseConfig } from './config.ts';
import { migrate } from './migrate.ts';
import type { Database } from './database-handle.ts';

export { channelName, type ChannelBase, type Database, type Db, type Driver } from './database-handle.ts';

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
