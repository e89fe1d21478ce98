import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, resolveRunConfig, RunConfigError, seedBounds, snapshotSteps, synthesisSeeds } from './run-config.ts';

test('every preset validates, with pairwise disjoint synthesis, selection and report seeds', () => {
  for (const name of PRESETS) {
    const c = resolveRunConfig(name);
    const ranges = [synthesisSeeds(c), c.selection.seeds, c.report.seeds].map(seedBounds);
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) assert.ok(ranges[i][1] < ranges[j][0] || ranges[j][1] < ranges[i][0], `${name}: ranges ${i} and ${j} overlap`);
    }
    assert.equal(c.sweep.tolerance, 0.03);
    assert.equal(c.sweep.refine_step, 0.1);
  }
  assert.equal(resolveRunConfig('paper').report.seeds.count, 50_000);
  assert.equal(resolveRunConfig('paper').selection.seeds.count, 10_000);
});

test('overlapping report and selection seeds are refused, naming the field', () => {
  assert.throws(
    () => resolveRunConfig('smoke', { report: { seeds: { first: 100_100, count: 10 } } }),
    (e: unknown) => e instanceof RunConfigError && e.path === 'report.seeds' && /overlaps selection.seeds/.test(e.message),
  );
  assert.throws(() => resolveRunConfig('smoke', { selection: { seeds: { first: 10, count: 10 } } }), /selection.seeds: overlaps synthesis.seeds/);
});

test('overrides merge into the preset; bad values name their field', () => {
  const c = resolveRunConfig('smoke', { sweep: { w_grid: [0, 1] }, selftrain: { steps: 30 } });
  assert.deepEqual(c.sweep.w_grid, [0, 1]);
  assert.equal(c.selftrain.steps, 30);
  assert.equal(c.selftrain.snapshot_every, 20);
  assert.throws(() => resolveRunConfig('smoke', { selftrain: { lr: -1 } }), /selftrain.lr/);
  assert.throws(() => resolveRunConfig('smoke', { sweep: { w_grid: [0] } }), /sweep.w_grid: needs at least one w > 0/);
  assert.throws(() => resolveRunConfig('smoke', { sweep: { snapshots: [25] } }), /sweep.snapshots: 25 is not a snapshot step/);
});

test('snapshots every k steps and at the last step', () => {
  assert.deepEqual(snapshotSteps(40, 20), [20, 40]);
  assert.deepEqual(snapshotSteps(50, 20), [20, 40, 50]);
  assert.deepEqual(snapshotSteps(10, 20), [10]);
});
