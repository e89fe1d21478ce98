// One writer per NEON_HOME: while a process holds the embedded database, `neon run` (and every command that opens
// the database) stops with one line naming the holder's pid and the folder, exit 2, instead of writing runs the
// holder never sees. A server that holds it is named with its URL. With DATABASE_URL many processes share it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../shared/db/database.ts';
import { neonProcess, type NeonResult } from './testing/neon-process.ts';

function oneLine(r: NeonResult, ...words: string[]): string {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  for (const w of words) assert.ok(lines[0].includes(w), `'${w}' in: ${lines[0]}`);
  return lines[0];
}

test('a second process on a held NEON_HOME gets one line naming the holder and the folder, exit 2', async () => {
  const { home, neon } = neonProcess('neon-home-lock-', 120_000);
  process.env.DATABASE_URL = ''; // the embedded database, in this process and the children
  const folder = join(home, 'db');
  const database = await openDatabase({ dataDir: folder });
  try {
    oneLine(neon(['run', '--model', 'toy-2d', '--preset', 'smoke']), `process ${process.pid}`, folder, 'DATABASE_URL');
    oneLine(neon(['db', 'migrate']), `process ${process.pid}`, folder);
    oneLine(neon(['run', '--cancel', 'some-run']), `process ${process.pid}`, folder);
    // a server announces where its API is: the run is sent there instead
    database.lock!.annotate({ url: 'http://127.0.0.1:1' });
    oneLine(neon(['run', '--model', 'toy-2d']), 'POST http://127.0.0.1:1/v1/neon/runs');
    oneLine(neon(['run', '--cancel', 'some-run']), 'http://127.0.0.1:1', 'did not answer');
  } finally {
    await database.close();
  }
  // released: the next process opens it (and cancels nothing that does not exist, naming the run)
  oneLine(neon(['run', '--cancel', 'some-run']), "no run 'some-run'");
  assert.equal(neon(['db', 'migrate']).code, 0);
});

test('with DATABASE_URL, several processes on one NEON_HOME share the database', {
  skip: process.env.NEON_TEST_POSTGRES === 'skip',
}, async () => {
  const url = process.env.NEON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `neon_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const { home } = neonProcess('neon-home-pg-');
  const run = () =>
    new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, ['bin/neon.js', 'db', 'migrate'], {
        env: { ...process.env, NEON_HOME: home, DATABASE_URL: url, NEON_DB_SCHEMA: schema },
        stdio: 'ignore',
      });
      p.on('close', resolve);
    });
  try {
    const [a, b] = await Promise.all([run(), run()]);
    assert.deepEqual([a, b], [0, 0]);
    assert.deepEqual(await Promise.all([run(), run(), run()]), [0, 0, 0]);
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
});
