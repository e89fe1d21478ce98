import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const neon = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['bin/neon.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ...env },
  });

test('neon db migrate applies the migrations once, into PGlite under NEON_HOME', () => {
  const home = mkdtempSync(join(tmpdir(), 'neon-cli-db-'));
  try {
    const first = neon(['db', 'migrate', '--json'], { NEON_HOME: home });
    assert.equal(first.status, 0, first.stderr);
    const r1 = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(r1.applied, ['0000_init']);
    assert.equal(r1.location, `pglite:${join(home, 'db')}`);
    const second = neon(['db', 'migrate', '--json'], { NEON_HOME: home });
    assert.deepEqual(JSON.parse(second.stdout.trim().split('\n').at(-1)!).applied, []);
    const bad = neon(['db', 'nope'], { NEON_HOME: home });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown action 'nope'/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('neon db status on a NEON_HOME without a database creates nothing and lists every migration as pending', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neon-cli-db-'));
  try {
    const home = join(dir, 'home');
    const r = neon(['db', 'status', '--json'], { NEON_HOME: home });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(s.exists, false);
    assert.deepEqual(s.applied, []);
    assert.ok(s.pending.includes('0000_init'));
    assert.equal(existsSync(home), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
