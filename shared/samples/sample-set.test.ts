import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../store/artifact-store.ts';
import { decodeSampleShard, encodeSampleShard, SampleShardError } from './sample-shard.ts';
import { SampleSetReader, SampleSetWriter } from './sample-set.ts';
import { resolveSettings, labelOf, requestFor } from './sample-settings.ts';
import { tinyFlowManifest } from '../families/test-fixtures/tiny-flow.ts';

test('a shard round-trips images, labels and indices, and refuses damaged bytes', () => {
  const shape = [1, 3, 3];
  const images = Uint8Array.from({ length: 5 * 9 }, (_, i) => (i * 37) % 256);
  const labels = Int32Array.from([0, 9, -1, 2, 3]);
  const indices = Uint32Array.from([10, 11, 12, 4294967295, 7]);
  const bytes = encodeSampleShard({ shape, images, labels, indices });
  const back = decodeSampleShard(bytes);
  assert.deepEqual(back, { shape, images, labels, indices });
  assert.throws(() => decodeSampleShard(bytes.subarray(0, bytes.length - 1)), SampleShardError);
  assert.throws(() => decodeSampleShard(new Uint8Array(20)), /not a sample shard/);
  assert.throws(() => encodeSampleShard({ shape, images: images.subarray(1), labels, indices }), SampleShardError);
});

test('a sample set is written as shards plus a manifest, and read back in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-samples-'));
  try {
    const store = new ArtifactStore(dir);
    const manifest = tinyFlowManifest();
    const settings = resolveSettings(manifest, { seed: 3 });
    const model = { name: 'tiny-flow', ref: 'tiny-flow', tag: 'base', content_hash: 'ab'.repeat(32) };
    const w = new SampleSetWriter(store, { shape: [1, 8, 8], model, settings, shardSize: 4 });
    const all = Uint8Array.from({ length: 10 * 64 }, (_, i) => i % 251);
    // batches of 3 over shards of 4: boundaries do not line up
    for (let first = 0; first < 10; first += 3) {
      const n = Math.min(3, 10 - first);
      await w.add(
        all.subarray(first * 64, (first + n) * 64),
        Array.from({ length: n }, (_, i) => (first + i) % 4),
        Array.from({ length: n }, (_, i) => first + i),
      );
    }
    const { id, manifest: m } = await w.finish();
    assert.deepEqual(
      m.shards.map((s) => [s.n, s.first]),
      [
        [4, 0],
        [4, 4],
        [2, 8],
      ],
    );
    assert.equal((await store.manifest(id))!.kind, 'samples');
    const r = await SampleSetReader.open(store, id);
    assert.equal(r.manifest.settings.seed, 3);
    assert.equal(r.manifest.settings.steps, manifest.sampler.steps);
    assert.equal(r.manifest.settings.labels, 'cycle');
    assert.deepEqual(r.manifest.model, model);
    const got = await r.readAll();
    assert.deepEqual(got.images, all);
    assert.deepEqual([...got.indices], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual([...got.labels], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    await assert.rejects(SampleSetReader.open(store, m.shards[0].id), /not a sample set/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('labels cycle over the classes by global index, or are fixed; requests carry the global first index', () => {
  const m = tinyFlowManifest();
  assert.deepEqual(
    [5, 6, 7, 8].map((j) => labelOf(m, { seed: 0 }, j)),
    [1, 2, 3, 0],
  );
  assert.equal(labelOf(m, { seed: 0, classLabel: 2 }, 7), 2);
  const r = requestFor(m, { seed: 9, steps: 3 }, 6, 3);
  assert.deepEqual([r.seed, r.first, r.n, r.steps, r.classLabels], [9, 6, 3, 3, [2, 3, 0]]);
});
