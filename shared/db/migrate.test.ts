import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { testBackends } from './test-backends.ts';
import type { Database } from './database.ts';
import { loadMigrations, migrate, MIGRATIONS_DIR, splitStatements } from './migrate.ts';

test('statements split at breakpoints and lose their "public". qualifiers', () => {
  assert.deepEqual(
    splitStatements(
      'CREATE TABLE "a" (x int);\n--> statement-breakpoint\nALTER TABLE "b" ADD FOREIGN KEY ("x") REFERENCES "public"."a"("x");--> statement-breakpoint\n',
    ),
    ['CREATE TABLE "a" (x int);', 'ALTER TABLE "b" ADD FOREIGN KEY ("x") REFERENCES "a"("x");'],
  );
});

test('the shipped migrations load in journal order', async () => {
  const ms = await loadMigrations();
  assert.equal(ms[0].tag, '0000_init');
  assert.ok(ms[0].statements.some((s) => s.startsWith('CREATE TABLE "events"')));
  assert.ok(ms.every((m) => m.statements.every((s) => !s.includes('"public".'))));
});

for (const backend of await testBackends()) {
  describe(`migrator on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    let dir: string;
    const extra: string[] = [];
    before(async () => {
      database = await backend.open();
      dir = await mkdtemp(join(tmpdir(), 'neon-migrations-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
    });
    after(async () => {
      for (const s of extra) await database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${s}" CASCADE`));
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('migrating again applies nothing, and finds the schema current with one read (no transaction)', async () => {
      const r = await migrate(database.db, { schema: database.schema });
      assert.deepEqual(r.applied, []);
      assert.deepEqual(r.skipped, ['0000_init']);
      assert.equal(r.current, true);
    });

    test('racing migrators on a fresh schema apply each migration once', async () => {
      const schema = `${database.schema}_race`.slice(0, 40);
      extra.push(schema);
      const results = await Promise.all([
        migrate(database.db, { schema }),
        migrate(database.db, { schema }),
        migrate(database.db, { schema }),
      ]);
      assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 0, 1]);
      const t = (await database.db.execute(
        sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = 'jobs'`,
      )) as unknown as { rows: { n: number }[] };
      assert.equal(Number(t.rows[0].n), 1);
    });

    test('a new migration is applied incrementally; an edited applied one is refused', async () => {
      const schema = `${database.schema}_inc`.slice(0, 40);
      extra.push(schema);
      const first = await migrate(database.db, { schema, dir });
      assert.deepEqual(first.applied, ['0000_init']);
      assert.equal(first.current, false);
      assert.equal((await migrate(database.db, { schema, dir })).current, true);
      const journalPath = join(dir, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8'));
      journal.entries.push({ idx: 1, version: '7', when: 0, tag: '0001_note', breakpoints: true });
      await writeFile(journalPath, JSON.stringify(journal));
      await writeFile(
        join(dir, '0001_note.sql'),
        'ALTER TABLE "runs" ADD COLUMN "note" text;--> statement-breakpoint\nCREATE INDEX "runs_note_idx" ON "runs" ("note");',
      );
      const r = await migrate(database.db, { schema, dir });
      assert.deepEqual(r.applied, ['0001_note']);
      assert.deepEqual(r.skipped, ['0000_init']);
      assert.equal(r.current, false);
      await writeFile(join(dir, '0001_note.sql'), 'ALTER TABLE "runs" ADD COLUMN "note2" text;');
      await assert.rejects(migrate(database.db, { schema, dir }), /0001_note was changed after it was applied/);
      // a failing migration leaves nothing behind (one transaction)
      await writeFile(join(dir, '0001_note.sql'), 'ALTER TABLE "runs" ADD COLUMN "note" text;');
      const fresh = `${database.schema}_bad`.slice(0, 40);
      extra.push(fresh);
      journal.entries.push({ idx: 2, version: '7', when: 0, tag: '0002_bad', breakpoints: true });
      await writeFile(journalPath, JSON.stringify(journal));
      await writeFile(join(dir, '0002_bad.sql'), 'SELECT no_such_function();');
      await assert.rejects(migrate(database.db, { schema: fresh, dir }), /0002_bad failed/);
      const left = (await database.db.execute(
        sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = ${fresh}`,
      )) as unknown as { rows: { n: number }[] };
      assert.equal(Number(left.rows[0].n), 0);
    });
  });
}
