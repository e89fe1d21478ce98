// One writer per folder: a second process is refused naming the holder; a lock left by a dead process (or by an
// earlier process whose pid a later one reuses) is taken over, by exactly one of several racing processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderLockedError, lockFolder, folderLockHolder } from './folder-lock.ts';

const child = (code: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });

const tryLockIn = (folder: string) =>
  `import { lockFolder } from ${JSON.stringify(new URL('./folder-lock.ts', import.meta.url).pathname)};
   try { lockFolder(${JSON.stringify(folder)}); console.log('locked'); } catch (e) { console.log(e.name + ': ' + e.message); }`;

test('a second process is refused, naming the holder pid and the folder; release frees it', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'db');
  const lock = lockFolder(folder);
  try {
    const r = child(tryLockIn(folder));
    assert.match(r.stdout, new RegExp(`FolderLockedError: ${folder} is in use by process ${process.pid}`), r.stderr);
    assert.throws(() => lockFolder(folder), FolderLockedError, 'the same process twice');
    lock.annotate({ url: 'http://127.0.0.1:8080' });
    assert.equal(folderLockHolder(folder)?.url, 'http://127.0.0.1:8080');
    assert.match(child(tryLockIn(folder)).stdout, /the server at http:\/\/127\.0\.0\.1:8080/);
  } finally {
    lock.release();
  }
  assert.equal(existsSync(`${folder}.lock`), false);
  assert.equal(child(tryLockIn(folder)).stdout.trim(), 'locked');
});

test('a stale lock (dead pid, pid reused by a later process, another boot) is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-'));
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const stale = [
    { pid: deadPid, host: hostname(), acquired_at: 'x' },
    // our parent is alive, but it started at another time than the lock's holder did
    { pid: process.ppid, host: hostname(), start: '1', acquired_at: 'x' },
    { pid: process.ppid, host: hostname(), boot: 'another-boot', acquired_at: 'x' },
  ];
  for (const [i, holder] of stale.entries()) {
    const folder = join(dir, `db${i}`);
    writeFileSync(`${folder}.lock`, JSON.stringify(holder));
    const lock = lockFolder(folder);
    assert.equal(JSON.parse(readFileSync(`${folder}.lock`, 'utf8')).pid, process.pid);
    lock.release();
  }
  // a live holder on another host cannot be checked: it is respected
  const folder = join(dir, 'remote');
  writeFileSync(`${folder}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', acquired_at: 'x' }));
  assert.throws(() => lockFolder(folder), /in use by process 1 on elsewhere/);
});

test('processes racing for one stale lock: exactly one wins', async () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'lock-')), 'db');
  const dead = Number(
    spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim(),
  );
  writeFileSync(`${folder}.lock`, JSON.stringify({ pid: dead, host: hostname(), acquired_at: 'x' }));
  // each holds what it got until every one has tried (the parent then creates the `go` file)
  const go = `${folder}.go`;
  const code = `${tryLockIn(folder)}; const { existsSync } = await import('node:fs'); for (let i = 0; i < 1200 && !existsSync(${JSON.stringify(go)}); i++) await new Promise((r) => setTimeout(r, 50));`;
  let tried = 0;
  const outs = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<string>((resolve) => {
          const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code]);
          let out = '';
          p.stdout.on('data', (d) => {
            out += d;
            if (out.includes('\n') && ++tried === 4) writeFileSync(go, '');
          });
          p.on('close', () => resolve(out.trim()));
        }),
    ),
  );
  assert.equal(outs.filter((o) => o === 'locked').length, 1, outs.join('\n'));
  assert.ok(
    outs.filter((o) => o !== 'locked').every((o) => o.startsWith('FolderLockedError')),
    outs.join('\n'),
  );
});
