import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { composeApp } from './compose-app.ts';

function echo(path: string): Hono {
  const app = new Hono();
  app.get(path, (c) => c.json({ at: path }));
  app.post(path, (c) => c.json({ posted: path }));
  return app;
}

test('one health sub-app: live always, ready only when every mounted service is', async () => {
  let bReady = false;
  const app = composeApp(
    'all',
    [
      { app: echo('/a'), ready: () => true },
      { app: echo('/b'), ready: async () => bReady },
    ],
    { tokens: [] },
  );
  assert.deepEqual(await (await app.request('/v2/health/live')).json(), { live: true, service: 'all' });
  const notYet = await app.request('/v2/health/ready');
  assert.equal(notYet.status, 503);
  assert.deepEqual(await notYet.json(), { ready: false, service: 'all' });
  bReady = true;
  assert.deepEqual(await (await app.request('/v2/health/ready')).json(), { ready: true, service: 'all' });
});

test('bearer auth guards the mutating routes of every mounted app; reads, health and 404s keep their shape', async () => {
  const app = composeApp(
    'all',
    [
      { app: echo('/a'), ready: () => true },
      { app: echo('/b'), ready: () => true },
    ],
    { tokens: ['t0k'] },
  );
  for (const path of ['/a', '/b']) {
    assert.equal((await app.request(path, { method: 'POST' })).status, 401);
    assert.deepEqual(
      await (await app.request(path, { method: 'POST', headers: { authorization: 'Bearer t0k' } })).json(),
      { posted: path },
    );
    assert.deepEqual(await (await app.request(path)).json(), { at: path });
  }
  assert.equal((await app.request('/v2/health/live')).status, 200);
  const missing = await app.request('/nowhere');
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
});
