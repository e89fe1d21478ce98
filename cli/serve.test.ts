// `neon serve` listens on loopback unless told otherwise, and refuses another address without API tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exposedWithoutTokens } from './serve.ts';
import { serveConfigFromEnv } from '../services/serve-config.ts';

test('the default address is loopback', () => {
  assert.equal(serveConfigFromEnv('all', {}).host, '127.0.0.1');
});

test('another address needs NEON_API_TOKENS or NEON_ALLOW_INSECURE=1', () => {
  assert.equal(exposedWithoutTokens('127.0.0.1', {}), undefined);
  assert.equal(exposedWithoutTokens('::1', {}), undefined);
  assert.equal(exposedWithoutTokens('localhost', {}), undefined);
  assert.match(exposedWithoutTokens('0.0.0.0', {}) ?? '', /refusing to listen on 0\.0\.0\.0 without NEON_API_TOKENS/);
  assert.match(exposedWithoutTokens('10.1.2.3', { NEON_API_TOKENS: ' , ' }) ?? '', /without NEON_API_TOKENS/);
  assert.equal(exposedWithoutTokens('0.0.0.0', { NEON_API_TOKENS: 'secret' }), undefined);
  assert.equal(exposedWithoutTokens('0.0.0.0', { NEON_ALLOW_INSECURE: '1' }), undefined);
});

test('neon serve --host 0.0.0.0 without tokens exits 2 with one line, before starting anything', () => {
  const home = mkdtempSync(join(tmpdir(), 'neon-serve-'));
  const env: NodeJS.ProcessEnv = { ...process.env, NEON_HOME: home };
  delete env.NEON_API_TOKENS;
  delete env.NEON_ALLOW_INSECURE;
  const r = spawnSync(process.execPath, ['bin/neon.js', 'serve', '--host', '0.0.0.0', '--port', '0'], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /neon serve: refusing to listen on 0\.0\.0\.0/);
});

test('neon serve --runtime takes node, bun or deno, and exits 2 with one line otherwise', () => {
  const r = spawnSync(process.execPath, ['bin/neon.js', 'serve', '--runtime', 'java', '--port', '0'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /--runtime/);
});

test('neon serve --runtime deno passes a bad flag on and returns its exit code 2', () => {
  const r = spawnSync(process.execPath, ['bin/neon.js', 'serve', '--runtime', 'deno', '--port', 'many'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr.trim(), /^neon serve: .*--port/);
});
