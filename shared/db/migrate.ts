// The migrator: applies the SQL migrations in ./migrations (drizzle-kit's layout: meta/_journal.json names them
// in order, statements split by `--> statement-breakpoint`) inside one transaction, under an advisory lock, so two
// processes starting at once (a Helm hook Job and a server) apply each migration exactly once.
// The files are schema-agnostic: drizzle-kit's `"public".` qualifiers are dropped and the statements run in the
// configured schema (search_path), which is what lets tests use a fresh schema per run.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { SCHEMA_NAME } from './config.ts';
import type { Db } from './database-handle.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  tag: string;
  /** sha256 of the file as written. */
  hash: string;
  statements: string[];
}

export interface MigrateResult {
  /** Applied by this call, in order. */
  applied: string[];
  /** Already applied before. */
  skipped: string[];
  /** Recorded in the database but unknown to this build (a newer build migrated it). */
  unknown: string[];
  /** The schema was current: one read found every migration applied, and no transaction or lock was taken. */
  current: boolean;
}

/** Reads the migrations listed in the journal. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(join(dir, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  const out: Migration[] = [];
  for (const { tag } of entries) {
    const text = await readFile(join(dir, `${tag}.sql`), 'utf8');
    out.push({ tag, hash: createHash('sha256').update(text).digest('hex'), statements: splitStatements(text) });
  }
  return out;
}

/** Splits a migration into statements at drizzle-kit's breakpoints and drops `"public".` schema qualifiers. */
export function splitStatements(text: string): string[] {
  return text
    .split('--> statement-breakpoint')
    .map((s) => s.replaceAll('"public".', '').trim())
    .filter((s) => s.length > 0);
}

/** Applies pending migrations to `schema` (default public). Safe to call from several processes at once. */
export async function migrate(db: Db, opts: { schema?: string; dir?: string } = {}): Promise<MigrateResult> {
  const schema = opts.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`bad schema name '${schema}'`);
  const migrations = await loadMigrations(opts.dir);
  const current = await currentResult(db, schema, migrations);
  if (current) return current;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('neon_migrate'), hashtext(${schema}))`);
    const exists = (await tx.execute(sql`SELECT 1 AS one FROM pg_namespace WHERE nspname = ${schema}`)) as unknown as {
      rows: unknown[];
    };
    if (exists.rows.length === 0) await tx.execute(sql.raw(`CREATE SCHEMA "${schema}"`));
    // The statements are unqualified: they land in the target schema whatever the session's search_path.
    await tx.execute(sql.raw(`SET LOCAL search_path TO "${schema}"`));
    await tx.execute(
      sql.raw(
        `CREATE TABLE IF NOT EXISTS "${schema}".neon_migrations (tag text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      ),
    );
    const res = (await tx.execute(
      sql.raw(`SELECT tag, hash FROM "${schema}".neon_migrations ORDER BY tag`),
    )) as unknown as {
      rows: { tag: string; hash: string }[];
    };
    const done = new Map(res.rows.map((r) => [r.tag, r.hash]));
    const known = new Set(migrations.map((m) => m.tag));
    const result: MigrateResult = {
      applied: [],
      skipped: [],
      unknown: [...done.keys()].filter((t) => !known.has(t)),
      current: false,
    };
    for (const m of migrations) {
      const prior = done.get(m.tag);
      if (prior !== undefined) {
        if (prior !== m.hash)
          throw new Error(
            `migration ${m.tag} was changed after it was applied (hash ${prior.slice(0, 12)} in the database, ${m.hash.slice(0, 12)} on disk)`,
          );
        result.skipped.push(m.tag);
        continue;
      }
      for (const statement of m.statements) {
        try {
          await tx.execute(sql.raw(statement));
        } catch (err) {
          throw new Error(
            `migration ${m.tag} failed: ${err instanceof Error ? err.message : String(err)}\n${statement}`,
            { cause: err },
          );
        }
      }
      await tx.execute(
        sql`INSERT INTO ${sql.identifier(schema)}.neon_migrations (tag, hash) VALUES (${m.tag}, ${m.hash})`,
      );
      result.applied.push(m.tag);
    }
    return result;
  });
}

/**
 * The result when every migration is already applied with its hash (a server starting on a current schema does no
 * migration work: one read, no transaction, no advisory lock); undefined when anything is left to do or to refuse.
 */
async function currentResult(db: Db, schema: string, migrations: Migration[]): Promise<MigrateResult | undefined> {
  const table = `"${schema}".neon_migrations`;
  const found = (await db.execute(sql`SELECT to_regclass(${table}) IS NOT NULL AS present`)) as unknown as {
    rows: { present: boolean }[];
  };
  if (!found.rows[0]?.present) return undefined;
  const res = (await db.execute(sql.raw(`SELECT tag, hash FROM ${table}`))) as unknown as {
    rows: { tag: string; hash: string }[];
  };
  const done = new Map(res.rows.map((r) => [r.tag, r.hash]));
  if (!migrations.every((m) => done.get(m.tag) === m.hash)) return undefined;
  const known = new Set(migrations.map((m) => m.tag));
  return {
    applied: [],
    skipped: migrations.map((m) => m.tag),
    unknown: [...done.keys()].filter((t) => !known.has(t)).sort(),
    current: true,
  };
}
