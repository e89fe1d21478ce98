import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { testBackends } from './test-backends.ts';
import type { Database } from './database.ts';
import { runs, schema, trials } from './schema.ts';

/** What information_schema calls a drizzle SQL type. */
function infoType(sqlType: string): string {
  return sqlType === 'bigserial' ? 'bigint' : sqlType === 'serial' ? 'integer' : sqlType;
}

for (const backend of await testBackends()) {
  describe(`schema on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('the migrated tables match schema.ts column by column, index by index', async () => {
      const cols = (await database.db.execute(sql`
        SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = ${database.schema} AND table_name <> 'neon_migrations'`)) as unknown as {
        rows: { table_name: string; column_name: string; data_type: string; is_nullable: string }[];
      };
      const actual = cols.rows
        .map((r) => `${r.table_name}.${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`)
        .sort();
      const expected = Object.values(schema)
        .flatMap((t) => {
          const cfg = getTableConfig(t as PgTable);
          return cfg.columns.map(
            (c) => `${cfg.name}.${c.name} ${infoType(c.getSQLType())}${c.notNull ? ' not null' : ''}`,
          );
        })
        .sort();
      assert.deepEqual(actual, expected);

      const idx = (await database.db.execute(
        sql`SELECT indexname FROM pg_indexes WHERE schemaname = ${database.schema}`,
      )) as unknown as { rows: { indexname: string }[] };
      const names = new Set(idx.rows.map((r) => r.indexname));
      for (const t of Object.values(schema)) {
        for (const i of getTableConfig(t as PgTable).indexes)
          assert.ok(names.has(i.config.name!), `index ${i.config.name} missing`);
      }
    });

    test('a trial is unique per (run, key)', async () => {
      await database.db.insert(runs).values({ id: 'r-unique', model: 'flow', preset: 'smoke', config: {} });
      await database.db.insert(trials).values({ runId: 'r-unique', key: 's1-w0.5-cfg1', snapshot: 1, w: 0.5, cfg: 1 });
      await assert.rejects(
        database.db.insert(trials).values({ runId: 'r-unique', key: 's1-w0.5-cfg1' }),
        (err: Error) =>
          /duplicate key|unique/i.test(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`),
      );
      const inserted = await database.db
        .insert(trials)
        .values({ runId: 'r-unique', key: 's1-w0.5-cfg1' })
        .onConflictDoNothing()
        .returning();
      assert.equal(inserted.length, 0);
    });
  });
}
