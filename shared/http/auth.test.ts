import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { authConfigFromEnv, bearerAuth, type AuthConfig } from './auth.ts';
import { onApiError } from './errors.ts';

function app(config: AuthConfig) {
  const a = new Hono();
  a.onError(onApiError);
  a.use('*', bearerAuth(config));
  a.get('/v1/things', (c) => c.json({ things: [] }));
  a.post('/v1/things', (c) => c.json({ made: true }, 201));
  a.delete('/v1/things/1', (c) => c.json({ deleted: true }));
  return a;
}

test('with tokens, mutating routes need a valid bearer token; reads stay open', async () => {
  const a = app(authConfigFromEnv({ NEON_API_TOKENS: ' alpha , beta,,' }));
  assert.equal((await a.request('/v1/things')).status, 200);
  const missing = await a.request('/v1/things', { method: 'POST' });
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  const body = await missing.json();
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, 'missing_api_key');
  assert.match(body.error.message, /Authorization/);
  const wrong = await a.request('/v1/things', { method: 'POST', headers: { authorization: 'Bearer gamma' } });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error.code, 'invalid_api_key');
  const basic = await a.request('/v1/things', { method: 'POST', headers: { authorization: 'Basic YWxwaGE=' } });
  assert.equal(basic.status, 401);
  const prefix = await a.request('/v1/things', { method: 'POST', headers: { authorization: 'Bearer alph' } });
  assert.equal(prefix.status, 401);
  assert.equal(
    (await a.request('/v1/things', { method: 'POST', headers: { authorization: 'Bearer alpha' } })).status,
    201,
  );
  assert.equal(
    (await a.request('/v1/things/1', { method: 'DELETE', headers: { authorization: 'bearer beta' } })).status,
    200,
  );
  assert.equal((await a.request('/v1/things/1', { method: 'DELETE' })).status, 401);
});

test('without tokens everything is open, unless tokens are required', async () => {
  const open = app(authConfigFromEnv({}));
  assert.equal((await open.request('/v1/things', { method: 'POST' })).status, 201);
  assert.throws(
    () => bearerAuth(authConfigFromEnv({ KUBERNETES_SERVICE_HOST: '10.0.0.1' })),
    /NEON_API_TOKENS must be set/,
  );
  const k8s = app(authConfigFromEnv({ KUBERNETES_SERVICE_HOST: '10.0.0.1', NEON_API_TOKENS: 'k' }));
  assert.equal((await k8s.request('/v1/things', { method: 'POST' })).status, 401);
});
