import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, type ManifestInput } from './manifest.ts';

const good: ManifestInput = {
  name: 'fmnist-flow',
  family: 'flow',
  data: { shape: [1, 28, 28], range: [-1, 1] },
  conditioning: { num_classes: 10, null_class: 10, label_dropout: 0.1 },
  loss: { kind: 'flow-matching' },
  sampler: { kind: 'heun', steps: 16, guidance_scale: 1.5 },
  io: { inputs: { x: 'x', t: 't', class: 'y' }, outputs: { velocity: 'v' } },
};

test('a valid manifest parses and gets defaults', () => {
  const m = parseManifest(good);
  assert.deepEqual(m.lineage, {});
  assert.deepEqual(m.metrics, {});
  assert.equal(m.conditioning.label_dropout, 0.1);
});

test('errors name the field', () => {
  assert.throws(() => parseManifest({ ...good, family: 'gan' }, 'model.json'), /model\.json: family:/);
  assert.throws(() => parseManifest({ ...good, data: { shape: [1, 0, 28] } }), /data\.shape\.1/);
  assert.throws(() => parseManifest({ ...good, name: 'Bad Name' }), /name: lower-case/);
});
