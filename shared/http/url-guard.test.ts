import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { onApiError } from './errors.ts';
import { MAX_URL_LENGTH, urlGuard } from './url-guard.ts';

test('control characters in the path or query are a 400 naming where; an overlong URL is a 414', async () => {
  const app = new Hono();
  app.onError(onApiError);
  app.use('*', urlGuard());
  app.get('/runs/:id', (c) => c.json({ id: c.req.param('id') }));
  const status = async (path: string) => (await app.request(path)).status;
  assert.equal(await status('/runs/ok-1?limit=3'), 200);
  assert.equal(await status('/runs/%F0%9F%92%A5'), 200);
  for (const path of ['/runs/%00', '/runs/a%00b', '/runs/a%0d%0ab', '/runs/%7F', '/runs/%1f']) {
    const res = await app.request(path);
    assert.equal(res.status, 400, path);
    assert.equal((await res.json()).error.param, 'path');
  }
  const q = await app.request('/runs/x?limit=%00');
  assert.deepEqual([q.status, (await q.json()).error.param], [400, 'query']);
  assert.equal(await status(`/runs/${'x'.repeat(MAX_URL_LENGTH)}`), 414);
});
