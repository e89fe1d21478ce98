// The Postgres variant of the data-layer tests: skipped with a reason where no server answers (auto), required
// under CI=true, skipped on request; a bad NEON_TEST_POSTGRES value is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresSkip, postgresTestMode, postgresTestUrls } from './test-backends.ts';

test('NEON_TEST_POSTGRES: auto by default, require under CI=true, an explicit value wins, a bad one is named', () => {
  assert.equal(postgresTestMode({}), 'auto');
  assert.equal(postgresTestMode({ CI: 'true' }), 'require');
  assert.equal(postgresTestMode({ CI: 'true', NEON_TEST_POSTGRES: 'skip' }), 'skip');
  assert.equal(postgresTestMode({ NEON_TEST_POSTGRES: 'require' }), 'require');
  assert.throws(
    () => postgresTestMode({ NEON_TEST_POSTGRES: 'yes' }),
    /NEON_TEST_POSTGRES must be auto, require or skip, got 'yes'/,
  );
  assert.deepEqual(postgresTestUrls({ NEON_TEST_DATABASE_URL: 'postgres://x@h:1/db' }), ['postgres://x@h:1/db']);
});

test('an unreachable server skips the Postgres variant with one line in auto mode, not in require mode', async () => {
  const nobody = 'postgres://postgres@127.0.0.1:1/test'; // port 1: nothing listens there
  const reason = await postgresSkip({ NEON_TEST_DATABASE_URL: nobody });
  assert.match(
    reason ?? '',
    /^no PostgreSQL answers at postgres:\/\/postgres@127\.0\.0\.1:1\/test \(infra\/start-postgres\.sh starts one; NEON_TEST_POSTGRES=require/,
  );
  assert.doesNotMatch(reason ?? '', /\n/);
  assert.equal(await postgresSkip({ NEON_TEST_DATABASE_URL: nobody, CI: 'true' }), undefined);
  assert.equal(
    await postgresSkip({ NEON_TEST_DATABASE_URL: nobody, NEON_TEST_POSTGRES: 'skip' }),
    'NEON_TEST_POSTGRES=skip',
  );
});
