// Where the database is: node-postgres when a URL is given (DATABASE_URL), otherwise PGlite in a folder
// (default `$NEON_HOME/db`) or in memory. `schema` is the Postgres schema every table lives in.
import { join } from 'node:path';
import { z } from 'zod';
import { neonHome } from '../config/neon-home.ts';

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export const databaseConfigSchema = z.object({
  /** A postgres:// URL: use node-postgres. */
  url: z.string().min(1).optional(),
  /** PGlite's data folder; ignored when `url` is set. */
  dataDir: z.string().min(1).optional(),
  /** PGlite in memory (tests); ignored when `url` is set. */
  memory: z.boolean().default(false),
  /** The schema the tables live in (lower-case identifier). */
  schema: z.string().regex(SCHEMA_NAME, 'schema must be a lower-case SQL identifier').default('public'),
  /** Apply pending migrations on open. */
  migrate: z.boolean().default(true),
  /** node-postgres pool size. */
  poolSize: z.number().int().min(1).max(200).default(10),
});

export type DatabaseConfig = z.input<typeof databaseConfigSchema>;
export type ResolvedDatabaseConfig = z.output<typeof databaseConfigSchema>;

/** Reads DATABASE_URL, NEON_DB_SCHEMA and NEON_HOME (default `./.neon`, PGlite in `$NEON_HOME/db`). */
export function databaseConfigFromEnv(env: Record<string, string | undefined> = process.env): ResolvedDatabaseConfig {
  const url = env.DATABASE_URL?.trim() || undefined;
  const home = neonHome(env);
  return databaseConfigSchema.parse({
    url,
    dataDir: url ? undefined : join(home, 'db'),
    schema: env.NEON_DB_SCHEMA?.trim() || undefined,
  });
}

/** The URL with any password masked, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}
