// `neon db migrate`: applies pending migrations to the configured database (DATABASE_URL, else PGlite in
// $NEON_HOME/db; NEON_DB_SCHEMA picks the schema). Run by the Helm hook Job before the services start.
// `neon db status`: where the database is and which migrations are applied or pending.
import { sql } from 'drizzle-orm';
import { databaseConfigFromEnv } from '../shared/db/config.ts';
import { openDatabase } from '../shared/db/database.ts';
import { loadMigrations, migrate } from '../shared/db/migrate.ts';
import { existsSync } from 'node:fs';
import { parseFlags, UsageError } from './flags.ts';
import type { Command } from './command.ts';

const HELP = `usage: neon db migrate [--json]
       neon db status [--json]

The database is DATABASE_URL (node-postgres) when set, else PGlite in $NEON_HOME/db (default ./.neon/db).
NEON_DB_SCHEMA sets the Postgres schema (default public).`;

export const dbCommand: Command = {
  summary: 'database migrations (migrate, status)',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['json', 'help'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    const [action, ...extra] = flags.positionals;
    if (action !== 'migrate' && action !== 'status')
      throw new UsageError(
        action === undefined ? 'needs an action: migrate or status' : `unknown action '${action}' (migrate or status)`,
      );
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const json = flags.booleans.has('json');
    const config = databaseConfigFromEnv();
    if (action === 'status' && !config.url && config.dataDir && !existsSync(config.dataDir)) {
      // nothing to open, and status must not create the folder: every migration is pending
      const pending = (await loadMigrations()).map((m) => m.tag);
      const location = `pglite:${config.dataDir} (not created yet)`;
      if (json) console.log(JSON.stringify({ location, schema: config.schema, exists: false, applied: [], pending }));
      else console.log(`${location} schema ${config.schema}\napplied: none\npending: ${pending.join(', ') || 'none'}`);
      return 0;
    }
    const database = await openDatabase({ ...config, migrate: false });
    try {
      if (action === 'migrate') {
        const r = await migrate(database.db, { schema: database.schema });
        if (r.unknown.length > 0)
          console.error(`warning: the database has migrations this build does not know: ${r.unknown.join(', ')}`);
        console.error(
          `${database.location} schema ${database.schema}: applied ${r.applied.length} (${r.applied.join(', ') || 'none'}), ${r.skipped.length} already applied`,
        );
        if (json) console.log(JSON.stringify({ location: database.location, schema: database.schema, ...r }));
        return 0;
      }
      const known = (await loadMigrations()).map((m) => m.tag);
      let applied: string[] = [];
      try {
        const res = (await database.db.execute(
          sql.raw(`SELECT tag FROM "${database.schema}".neon_migrations ORDER BY tag`),
        )) as unknown as { rows: { tag: string }[] };
        applied = res.rows.map((r) => r.tag);
      } catch {
        applied = [];
      }
      const pending = known.filter((t) => !applied.includes(t));
      if (json) console.log(JSON.stringify({ location: database.location, schema: database.schema, applied, pending }));
      else
        console.log(
          `${database.location} schema ${database.schema}\napplied: ${applied.join(', ') || 'none'}\npending: ${pending.join(', ') || 'none'}`,
        );
      return 0;
    } finally {
      await database.close();
    }
  },
};
