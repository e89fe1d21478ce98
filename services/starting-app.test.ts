// A process is live from the moment it listens and hands every request to the real app once it is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { startingApp } from './starting-app.ts';

const get = (path: string) => new Request(`http://127.0.0.1${path}`);

test('while starting: live, not ready, every other route 503 with Retry-After; then the real app', async () => {
  const front = startingApp('sampler');
  const live = await front.fetch(get('/v2/health/live'));
  assert.equal(live.status, 200);
  assert.deepEqual(await live.json(), { live: true, service: 'sampler' });
  const ready = await front.fetch(get('/v2/health/ready'));
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { ready: false, service: 'sampler' });
  const other = await front.fetch(
    new Request('http://127.0.0.1/v1/images/generations', { method: 'POST', body: '{}' }),
  );
  assert.equal(other.status, 503);
  assert.equal(other.headers.get('retry-after'), '1');
  assert.match(((await other.json()) as { error: { message: string } }).error.message, /sampler service is starting/);

  const real = new Hono();
  real.get('/v2/health/ready', (c) => c.json({ ready: true, service: 'sampler' }));
  real.post('/v1/images/generations', (c) => c.json({ data: [] }));
  front.started(real);
  assert.equal((await front.fetch(get('/v2/health/ready'))).status, 200);
  assert.deepEqual(
    await (
      await front.fetch(new Request('http://127.0.0.1/v1/images/generations', { method: 'POST', body: '{}' }))
    ).json(),
    { data: [] },
  );
});
