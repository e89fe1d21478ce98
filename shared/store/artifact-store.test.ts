import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ArtifactStore } from './artifact-store.ts';

test('put is content-addressed, idempotent and leaves no temporary files', async () => {
  const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'neon-store-')));
  const data = new TextEncoder().encode('hello neon');
  const a = await store.put(data, 'text', { why: 'test' });
  assert.equal(a.id, createHash('sha256').update(data).digest('hex'));
  assert.equal(a.bytes, data.length);
  const b = await store.put(data, 'text', { why: 'again' });
  assert.equal(b.id, a.id);
  assert.deepEqual(b.config, { why: 'test' }, 'the first manifest is kept');
  assert.deepEqual(new Uint8Array(await store.read(a.id)), data);
  assert.deepEqual(await readdir(join(store.root, 'tmp')), []);
  assert.equal(await store.has('0'.repeat(64)), false);
});

test('references outside the root are refused', async () => {
  const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'neon-store-')));
  assert.throws(() => store.resolveRef('../etc/passwd'), /outside the artifact store/);
  assert.equal(store.resolveRef('sets/a.bin'), join(store.root, 'sets/a.bin'));
});
