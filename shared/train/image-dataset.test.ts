import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random/prng.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import { BatchSampler, UniformDraws } from './image-dataset.ts';

/** Ten one-pixel examples: example i has pixel value i and label 100 + i. */
const data: LabeledImages = {
  images: Uint8Array.from({ length: 10 }, (_, i) => i),
  labels: Int32Array.from({ length: 10 }, (_, i) => 100 + i),
  n: 10,
  shape: [1],
  id: 'ten',
};

test('shuffled epochs: every example once per epoch, labels with their images', () => {
  const s = new BatchSampler(data, new Rng(1));
  const epoch = [...s.next(4).images, ...s.next(4).images, ...s.next(2).images];
  assert.deepEqual(
    [...epoch].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const b = s.next(20);
  assert.equal(b.n, 10);
  for (let i = 0; i < b.n; i++) assert.equal(b.labels[i], 100 + b.images[i]);
});

test('uniform draws: example rng.int(n) for each slot, from the stream it is given', () => {
  const b = new UniformDraws(data, new Rng(7)).next(6);
  const r = new Rng(7);
  assert.deepEqual(
    [...b.images],
    Array.from({ length: 6 }, () => r.int(10)),
  );
  for (let i = 0; i < b.n; i++) assert.equal(b.labels[i], 100 + b.images[i]);
  assert.equal(new UniformDraws(data, new Rng(7)).next(50).n, 10);
});
