import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { testBackends } from '../db/test-backends.ts';
import type { Database } from '../db/database.ts';
import { sleep } from '../db/channel-watch.ts';
import { appendEvent } from './event-log.ts';
import { openEventStreams, streamEvents } from './sse.ts';
import { onApiError } from '../http/errors.ts';

function parseSse(text: string): { id: string; event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? '';
      return { id: field('id'), event: field('event'), data: JSON.parse(field('data')) };
    });
}

for (const backend of await testBackends()) {
  describe(`server-sent events on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('streams a subject from the cursor, live, until the final event; Last-Event-ID resumes', async () => {
      const app = new Hono();
      app.get('/runs/:id/events', (c) =>
        streamEvents(c, database, {
          filter: { subject: `run:${c.req.param('id')}` },
          until: (e) => e.type === 'run.done',
          pollMs: 60_000,
        }),
      );
      const first = await appendEvent(database.db, { type: 'run.started', subject: 'run:a' });
      await appendEvent(database.db, { type: 'run.started', subject: 'run:b' });
      const res = await app.request('/runs/a/events');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const body = res.text();
      await sleep(50);
      await appendEvent(database.db, { type: 'run.progress', subject: 'run:a', payload: { step: 1 } });
      await appendEvent(database.db, { type: 'run.done', subject: 'run:a' });
      await appendEvent(database.db, { type: 'run.after', subject: 'run:a' });
      const msgs = parseSse(await body);
      assert.deepEqual(
        msgs.map((m) => m.event),
        ['run.started', 'run.progress', 'run.done'],
      );
      assert.equal(msgs[0].id, String(first.id));
      assert.equal(msgs[1].data.payload && (msgs[1].data.payload as { step: number }).step, 1);
      const resumed = parseSse(
        await (await app.request('/runs/a/events', { headers: { 'last-event-id': msgs[0].id } })).text(),
      );
      assert.deepEqual(
        resumed.map((m) => m.event),
        ['run.progress', 'run.done'],
      );
    });

    test('a cursor that is not an event id is a 400 naming it; streams past the cap get a 503', async () => {
      const app = new Hono();
      app.onError(onApiError);
      const maxOpen = openEventStreams() + 1;
      app.get('/runs/:id/events', (c) =>
        streamEvents(c, database, {
          filter: { subject: `run:${c.req.param('id')}` },
          until: (e) => e.type === 'run.done',
          pollMs: 60_000,
          maxOpen,
        }),
      );
      for (const [headers, path, param] of [
        [{ 'last-event-id': '99999999999999999999' }, '/runs/c/events', 'Last-Event-ID'],
        [{ 'last-event-id': '-1' }, '/runs/c/events', 'Last-Event-ID'],
        [{}, '/runs/c/events?after=abc', 'after'],
      ] as const) {
        const res = await app.request(path, { headers });
        assert.equal(res.status, 400);
        const body = (await res.json()) as { error: { param: string; message: string } };
        assert.equal(body.error.param, param);
        assert.ok(body.error.message.length < 200);
      }
      const first = await app.request('/runs/c/events');
      assert.equal(first.status, 200);
      const second = await app.request('/runs/c/events');
      assert.equal(second.status, 503);
      await appendEvent(database.db, { type: 'run.done', subject: 'run:c' });
      await first.text();
      await sleep(20);
      const third = await app.request('/runs/c/events');
      assert.equal(third.status, 200);
      await third.text();
    });
  });
}
