import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../db/test-backends.ts';
import type { Database } from '../db/database.ts';
import { sleep } from '../db/channel-watch.ts';
import { appendEvent, appendEvents, lastEventId, readEvents } from './event-log.ts';
import { subscribeEvents, waitForEvents } from './subscribe.ts';

for (const backend of await testBackends()) {
  describe(`event log on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('appends and reads by cursor, in order, with limits and filters', async () => {
      const made = await appendEvents(database.db, [
        { type: 'a.one', subject: 'read:1', payload: { n: 1 } },
        { type: 'a.two', subject: 'read:1', payload: { n: 2 } },
        { type: 'a.one', subject: 'read:2', payload: { n: 3 } },
        { type: 'a.one', subject: 'read_x', payload: { n: 4 } },
      ]);
      assert.deepEqual(
        made.map((e) => e.payload.n),
        [1, 2, 3, 4],
      );
      for (let i = 1; i < made.length; i++) assert.ok(made[i].id > made[i - 1].id);
      const start = made[0].id - 1;
      const page1 = await readEvents(database.db, { after: start, limit: 2, subjectPrefix: 'read' });
      assert.deepEqual(
        page1.map((e) => e.payload.n),
        [1, 2],
      );
      const page2 = await readEvents(database.db, { after: page1[1].id, limit: 2, subjectPrefix: 'read' });
      assert.deepEqual(
        page2.map((e) => e.payload.n),
        [3, 4],
      );
      // the prefix is literal: `read:` must not match `read_x` (`_` is a LIKE wildcard)
      const colon = await readEvents(database.db, { after: start, subjectPrefix: 'read:' });
      assert.deepEqual(
        colon.map((e) => e.payload.n),
        [1, 2, 3],
      );
      const bySubject = await readEvents(database.db, { after: start, subject: 'read:1', types: ['a.two'] });
      assert.deepEqual(
        bySubject.map((e) => e.payload.n),
        [2],
      );
      assert.deepEqual(await readEvents(database.db, { after: start, types: [] }), []);
      assert.equal(await lastEventId(database.db, { subject: 'read:2' }), made[2].id);
      assert.ok(made[0].createdAt instanceof Date);
    });

    test('an append in a rolled-back transaction leaves no event', async () => {
      const cursor = await lastEventId(database.db);
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await appendEvent(tx, { type: 'rollback.me', subject: 'rb' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await readEvents(database.db, { after: cursor, subject: 'rb' }), []);
    });

    test('a reader following the cursor sees every event even when transactions commit slowly', async () => {
      // Writer A appends and keeps its transaction open; writer B appends meanwhile. A reader reading in between
      // must not see B's (larger) id before A's is committed, or its cursor would skip A's event for good.
      const cursor = await lastEventId(database.db);
      const seen: number[] = [];
      let readerCursor = cursor;
      let stop = false;
      const reader = (async () => {
        while (!stop) {
          for (const e of await readEvents(database.db, { after: readerCursor, subject: 'order' })) {
            seen.push(e.payload.n as number);
            readerCursor = e.id;
          }
          await sleep(5);
        }
      })();
      const writerA = database.db.transaction(async (tx) => {
        await appendEvent(tx, { type: 'w', subject: 'order', payload: { n: 0 } });
        await sleep(150);
      });
      await sleep(30);
      const writersB = Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          appendEvent(database.db, { type: 'w', subject: 'order', payload: { n: i + 1 } }),
        ),
      );
      await Promise.all([writerA, writersB]);
      await sleep(60);
      stop = true;
      await reader;
      assert.equal(seen.length, 6, `reader saw ${JSON.stringify(seen)}`);
      assert.equal(seen[0], 0);
      assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
    });

    test('concurrent appends get distinct increasing ids', async () => {
      const cursor = await lastEventId(database.db);
      const made = await Promise.all(
        Array.from({ length: 40 }, (_, i) => appendEvent(database.db, { type: 'c', subject: 'conc', payload: { i } })),
      );
      const ids = made.map((e) => e.id);
      assert.equal(new Set(ids).size, 40);
      const read = await readEvents(database.db, { after: cursor, subject: 'conc', limit: 1000 });
      assert.deepEqual(
        read.map((e) => e.id),
        [...ids].sort((a, b) => a - b),
      );
    });

    test('waitForEvents is woken by NOTIFY (polling far slower than the wait)', async () => {
      const cursor = await lastEventId(database.db);
      const waiting = waitForEvents(database, { after: cursor, subject: 'wake', pollMs: 60_000, timeoutMs: 10_000 });
      await sleep(50);
      await appendEvent(database.db, { type: 'wake.up', subject: 'wake' });
      const got = await waiting;
      assert.deepEqual(
        got.map((e) => e.type),
        ['wake.up'],
      );
    });

    test('waitForEvents returns [] on timeout and on abort', async () => {
      const cursor = await lastEventId(database.db);
      assert.deepEqual(
        await waitForEvents(database, { after: cursor, subject: 'never', timeoutMs: 80, pollMs: 20 }),
        [],
      );
      const ac = new AbortController();
      const waiting = waitForEvents(database, { after: cursor, subject: 'never', signal: ac.signal });
      setTimeout(() => ac.abort(), 30);
      assert.deepEqual(await waiting, []);
    });

    test('without LISTEN, readers fall back to polling', async () => {
      const deaf: Database = {
        ...database,
        listen: async () => {
          throw new Error('listening is down');
        },
      };
      const cursor = await lastEventId(database.db);
      const waiting = waitForEvents(deaf, { after: cursor, subject: 'poll', pollMs: 25, timeoutMs: 10_000 });
      await sleep(40);
      await appendEvent(database.db, { type: 'polled', subject: 'poll' });
      assert.deepEqual(
        (await waiting).map((e) => e.type),
        ['polled'],
      );
    });

    test('subscribeEvents yields the backlog, then new events in order, until aborted', async () => {
      const first = await appendEvent(database.db, { type: 's', subject: 'sub', payload: { n: 1 } });
      await appendEvent(database.db, { type: 's', subject: 'sub', payload: { n: 2 } });
      const ac = new AbortController();
      const got: number[] = [];
      const consumer = (async () => {
        for await (const e of subscribeEvents(database, {
          after: first.id - 1,
          subject: 'sub',
          batch: 1,
          pollMs: 60_000,
          signal: ac.signal,
        })) {
          got.push(e.payload.n as number);
          if (got.length === 4) ac.abort();
        }
      })();
      await sleep(30);
      await appendEvent(database.db, { type: 's', subject: 'other', payload: { n: 99 } });
      await appendEvent(database.db, { type: 's', subject: 'sub', payload: { n: 3 } });
      await sleep(30);
      await appendEvent(database.db, { type: 's', subject: 'sub', payload: { n: 4 } });
      await consumer;
      assert.deepEqual(got, [1, 2, 3, 4]);
    });
  });
}
