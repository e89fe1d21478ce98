// `neon diagnose` end to end on a tiny flow model folder against the Fashion-MNIST training images: one cosine per
// guidance scale, in [−1, 1], with the sign of w it predicts; and bad input exits 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertUsageErrors, lastJson, neonProcess } from './testing/neon-process.ts';
import { writeModelDir } from '../shared/models/model-files.ts';
import { randomized, tinyModel } from '../shared/families/tiny.test-util.ts';

const { home, neon } = neonProcess('neon-diagnose-');

test('neon diagnose: a cosine and a predicted sign per guidance scale', async () => {
  const dir = join(home, 'tiny-flow');
  const { model, manifest } = tinyModel('flow');
  await writeModelDir(dir, randomized(model, 2), manifest);
  const r = neon([
    'diagnose',
    '--model',
    dir,
    '--guidance',
    '1,2',
    '--n',
    '40',
    '--batches',
    '2',
    '--batch',
    '8',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const res = lastJson(r.stdout);
  assert.equal(res.model.family, 'flow');
  assert.deepEqual(
    res.points.map((p: { setting: object }) => p.setting),
    [{ guidance_scale: 1 }, { guidance_scale: 2 }],
  );
  for (const p of res.points) {
    assert.ok(Math.abs(p.cosine) <= 1 + 1e-9 && p.cosine !== 0, `cosine ${p.cosine}`);
    assert.equal(p.predicts, p.cosine < 0 ? 'w>0' : 'w<0');
  }
  assert.equal(res.examples_per_gradient, 16);
  assert.ok(Math.abs(res.real_self_cosine) <= 1 + 1e-9);
});

test('neon diagnose: bad input exits 2 with one line', () => {
  assertUsageErrors(neon, [
    [['diagnose'], '--model'],
    [['diagnose', '--model', 'no-such-model'], '--model'],
    [['diagnose', '--model', 'fmnist-flow', '--temperature', '0.9'], '--temperature'],
    [['diagnose', '--model', 'fmnist-flow', '--batches', '1'], '--batches'],
    [['diagnose', '--model', 'fmnist-flow', '--guidance', '-1'], '--guidance'],
  ]);
});
