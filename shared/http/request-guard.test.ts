// The request guard: what a page on another site or an oversized body can no longer do to a mutating route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { onApiError } from './errors.ts';
import { JSON_BODY_LIMIT, requestGuard } from './request-guard.ts';

function app() {
  const a = new Hono();
  a.onError(onApiError);
  a.use('*', requestGuard());
  a.post('/v1/runs', async (c) => c.json({ got: (await c.req.json()) as unknown }, 201));
  a.post('/v1/runs/x/cancel', (c) => c.json({ ok: true }));
  a.get('/v1/runs', (c) => c.json([]));
  return a;
}

const post = (headers: Record<string, string>, body?: string) =>
  app().request('http://neon.local:8080/v1/runs', {
    method: 'POST',
    headers: { host: 'neon.local:8080', ...headers },
    body,
  });

test('JSON from this origin passes; other content types are 415 naming the field', async () => {
  assert.equal((await post({ 'content-type': 'application/json' }, '{"a":1}')).status, 201);
  assert.equal(
    (await post({ 'content-type': 'application/json; charset=utf-8', origin: 'http://neon.local:8080' }, '{"a":1}'))
      .status,
    201,
  );
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
    const res = await post(type ? { 'content-type': type } : {}, '{"a":1}');
    assert.equal(res.status, 415, type);
    assert.equal(((await res.json()) as { error: { param: string } }).error.param, 'content-type');
  }
  // no body, no content type needed
  assert.equal((await app().request('/v1/runs/x/cancel', { method: 'POST' })).status, 200);
  assert.equal(
    (await app().request('/v1/runs', { headers: { origin: 'https://evil.example' } })).status,
    200,
    'reads are not guarded',
  );
});

test('a mutating request from another origin is 403', async () => {
  for (const origin of ['https://evil.example', 'null', 'http://neon.local:9999']) {
    const res = await post({ 'content-type': 'application/json', origin }, '{}');
    assert.equal(res.status, 403, origin);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'cross_origin');
  }
});

test('a JSON body over the limit is 413, and the message does not echo it', async () => {
  const big = JSON.stringify({ model: 'x'.repeat(JSON_BODY_LIMIT + 10) });
  const res = await post({ 'content-type': 'application/json', 'content-length': String(big.length) }, big);
  assert.equal(res.status, 413);
  const text = await res.text();
  assert.ok(text.length < 500, text.slice(0, 100));
});
