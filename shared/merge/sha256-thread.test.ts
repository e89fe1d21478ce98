import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ThreadedSha256 } from './sha256-thread.ts';

test('ThreadedSha256 matches node:crypto for shared and plain buffers, several hashes at once, and empty input', async () => {
  const bytes = Uint8Array.from({ length: 300_001 }, (_, i) => (i * 2654435761) >>> 24);
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  const want = createHash('sha256').update(bytes).digest('hex');
  const a = new ThreadedSha256();
  const b = new ThreadedSha256();
  // a in pieces from shared memory (in place), b in pieces copied from a plain buffer, interleaved
  const cuts = [0, 1, 4096, 100_000, 250_000, bytes.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    await Promise.all([
      a.update(shared.subarray(cuts[i], cuts[i + 1])),
      b.update(bytes.subarray(cuts[i], cuts[i + 1])),
    ]);
  }
  assert.equal(await a.digest(), want);
  assert.equal(await b.digest(), want);
  assert.equal(await new ThreadedSha256().digest(), createHash('sha256').digest('hex'));
});
