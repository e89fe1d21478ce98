// A path inside a root: no escape by `..`, no NUL, no symbolic link on the way (a link to /etc let a route read
// /etc/passwd through the store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containedPath, PathEscapeError } from './contained-path.ts';

test('paths inside the root resolve; escapes, NUL and links on the way are refused without the host path', () => {
  const root = mkdtempSync(join(tmpdir(), 'contained-'));
  mkdirSync(join(root, 'samples', 'run1'), { recursive: true });
  writeFileSync(join(root, 'samples', 'run1', 'a.png'), 'x');
  symlinkSync('/etc', join(root, 'etc-link'));
  symlinkSync('/etc/passwd', join(root, 'samples', 'passwd.png'));
  assert.equal(containedPath(root, 'samples/run1'), join(root, 'samples', 'run1'));
  assert.equal(containedPath(root, 'samples/new/not-yet'), join(root, 'samples', 'new', 'not-yet'));
  for (const [ref, why] of [
    ['../outside', /is outside its folder/],
    ['/etc/passwd', /is outside its folder/],
    ['etc-link/passwd', /goes through a symbolic link \('etc-link'\)/],
    ['samples/passwd.png', /goes through a symbolic link \('samples\/passwd\.png'\)/],
    ['samples/\0x', /NUL/],
  ] as const) {
    assert.throws(
      () => containedPath(root, ref),
      (e: Error) => e instanceof PathEscapeError && why.test(e.message) && !e.message.includes(root),
      ref,
    );
  }
});
