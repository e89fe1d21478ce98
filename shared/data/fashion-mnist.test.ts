import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fashionMnistMissing, loadFashionMnist } from './fashion-mnist.ts';
import { parseIdx } from './idx.ts';
import { fashionMnistSkip } from './fashion-mnist-skip.test-util.ts';

test('the Fashion-MNIST test split loads with 10,000 labelled 28×28 images', { skip: fashionMnistSkip() }, async () => {
  const t = await loadFashionMnist('test');
  assert.equal(t.n, 10_000);
  assert.equal(t.height, 28);
  assert.equal(t.images.length, 10_000 * 28 * 28);
  const counts = new Array(10).fill(0);
  for (const l of t.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
});

test('IDX parsing checks the header and the size', () => {
  const good = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(parseIdx(good).dims, [2, 3]);
  assert.deepEqual(parseIdx(new Uint8Array(gzipSync(good))).data, Uint8Array.from([1, 2, 3, 4, 5, 6]));
  assert.throws(() => parseIdx(good.subarray(0, 15), 'x.idx'), /x\.idx: 3 data bytes/);
  assert.throws(() => parseIdx(Uint8Array.from([1, 0, 8, 1]), 'y.idx'), /bad magic/);
});

test('a missing dataset: one line naming the package, a skip outside CI, no skip under CI=true', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'neon-no-fmnist-'));
  try {
    const line = `Fashion-MNIST: t10k-images-idx3-ubyte(.gz) not found in ${empty} (apt-get install -y dataset-fashion-mnist, or set FASHION_MNIST_DIR)`;
    assert.equal(fashionMnistMissing('test', empty), line);
    assert.equal(fashionMnistSkip('test', { FASHION_MNIST_DIR: empty }), line);
    assert.equal(fashionMnistSkip('test', { FASHION_MNIST_DIR: empty, CI: 'true' }), undefined);
    await assert.rejects(loadFashionMnist('test', empty), { message: line });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
