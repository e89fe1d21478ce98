// The public base URL links are built from: NEON_PUBLIC_URL (validated), else where the server listens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, publicBaseUrl, serveConfigFromEnv } from './serve-config.ts';

test('NEON_PUBLIC_URL is the base of handed-out links; a bad one is refused naming the variable', () => {
  assert.equal(
    serveConfigFromEnv('all', { NEON_PUBLIC_URL: 'https://neon.example.org/api/' }).publicUrl,
    'https://neon.example.org/api',
  );
  for (const bad of ['neon.example.org', 'ftp://x', 'https://x/?a=1', 'https://u:p@x/', 'javascript:alert(1)']) {
    assert.throws(
      () => serveConfigFromEnv('all', { NEON_PUBLIC_URL: bad }),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith('NEON_PUBLIC_URL:'),
      bad,
    );
  }
  assert.equal(publicBaseUrl(serveConfigFromEnv('all', { PORT: '9000' })), 'http://127.0.0.1:9000');
  assert.equal(publicBaseUrl({ host: '0.0.0.0', port: 80 }), 'http://127.0.0.1:80');
  assert.equal(publicBaseUrl({ host: '::1', port: 80 }), 'http://[::1]:80');
  assert.equal(publicBaseUrl({ publicUrl: 'https://a.example', host: '0.0.0.0', port: 80 }), 'https://a.example');
});
