import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  guidanceGrid,
  PRESETS,
  rungCounts,
  resolveRunConfig,
  runConfigSchema,
  RunConfigError,
  seedBounds,
  snapshotSteps,
  synthesisSeeds,
} from './run-config.ts';

test('every preset validates, with pairwise disjoint synthesis, selection and report seeds', () => {
  for (const name of PRESETS) {
    const c = resolveRunConfig(name);
    const ranges = [synthesisSeeds(c), c.selection.seeds, c.report.seeds].map(seedBounds);
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++)
        assert.ok(ranges[i][1] < ranges[j][0] || ranges[j][1] < ranges[i][0], `${name}: ranges ${i} and ${j} overlap`);
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
    (e: unknown) =>
      e instanceof RunConfigError && e.path === 'report.seeds' && /overlaps selection.seeds/.test(e.message),
  );
  assert.throws(
    () => resolveRunConfig('smoke', { selection: { seeds: { first: 10, count: 10 } } }),
    /selection.seeds: overlaps synthesis.seeds/,
  );
});

test('overrides merge into the preset; bad values name their field', () => {
  const c = resolveRunConfig('smoke', { sweep: { w_grid: [0, 1] }, selftrain: { steps: 30 } });
  assert.deepEqual(c.sweep.w_grid, [0, 1]);
  assert.equal(c.selftrain.steps, 30);
  assert.equal(c.selftrain.snapshot_every, 20);
  assert.throws(() => resolveRunConfig('smoke', { selftrain: { lr: -1 } }), /selftrain.lr/);
  assert.throws(() => resolveRunConfig('smoke', { sweep: { w_grid: [0] } }), /sweep.w_grid: needs at least one w > 0/);
  assert.throws(
    () => resolveRunConfig('smoke', { sweep: { snapshots: [25] } }),
    /sweep.snapshots: 25 is not a snapshot step/,
  );
});

test('snapshots every k steps and at the last step', () => {
  assert.deepEqual(snapshotSteps(40, 20), [20, 40]);
  assert.deepEqual(snapshotSteps(50, 20), [20, 40, 50]);
  assert.deepEqual(snapshotSteps(10, 20), [10]);
});

test('every field is bounded, and an unknown field is refused naming its path', () => {
  for (const [over, path] of [
    [{ selftrain: { steps: 1e15 } }, 'selftrain.steps'],
    [{ synthesis: { batch: 1e12 } }, 'synthesis.batch'],
    [{ synthesis: { n: 1e9 } }, 'synthesis.n'],
    [{ report: { seeds: { first: 2 ** 53, count: 10 } } }, 'report.seeds.first'],
    [{ sweep: { w_grid: Array.from({ length: 1000 }, (_, i) => i / 1000) } }, 'sweep.w_grid'],
    [{ sweep: { sampler: { steps: 1e9 } } }, 'sweep.sampler.steps'],
    [{ selftrain: { steps: 100_000, snapshot_every: 1 } }, 'selftrain.snapshot_every'],
    [{ selftrain: { step: 10 } }, 'selftrain.step'],
    [{ sweep: { sampler: { guidance: 2 } } }, 'sweep.sampler.guidance'],
    [{ selection: { seeds: { first: 0, count: 1, last: 2 } } }, 'selection.seeds.last'],
    [{ nonsense: true }, 'nonsense'],
  ] as const) {
    assert.throws(
      () => resolveRunConfig('smoke', over),
      (err: unknown) => err instanceof RunConfigError && err.path === path,
      `${JSON.stringify(over).slice(0, 80)} → ${path}`,
    );
  }
  assert.throws(
    () => resolveRunConfig('smoke', { selftrain: { step: 10 } }),
    /^RunConfigError: selftrain\.step: unknown field$/,
  );
  for (const name of PRESETS) resolveRunConfig(name);
});

test('every preset selects honestly: multi-fidelity, a relative stop margin, guidance lines that extend', () => {
  for (const name of PRESETS) {
    const c = resolveRunConfig(name);
    assert.equal(c.sweep.tolerance_rel, 0.01);
    assert.equal(c.sweep.cfg_extend, 4);
    const f = c.sweep.fidelity!;
    assert.ok(
      f.rungs.length === 1 && f.rungs[0] <= 0.25,
      `${name}: the low rung is a small share of the selection seeds`,
    );
    assert.equal(f.z, 2.5);
    assert.equal(f.max_contenders, 8);
  }
  // the model's guidance g: five scales from 1 to g (g > 1), else around g
  assert.deepEqual(guidanceGrid(3), [1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(guidanceGrid(4), [1, 1.75, 2.5, 3.25, 4]);
  assert.deepEqual(guidanceGrid(1), [0.5, 0.75, 1, 1.25, 1.5]);
});

test('a stored config without the selection fields reads as the single-count procedure it ran with', () => {
  const stored = resolveRunConfig('smoke') as Record<string, any>;
  const { fidelity: _f, tolerance_rel: _t, cfg_extend: _e, ...sweep } = stored.sweep;
  const c = runConfigSchema.parse({ ...stored, sweep });
  assert.equal(c.sweep.fidelity, undefined);
  assert.equal(c.sweep.tolerance_rel, 0);
  assert.equal(c.sweep.cfg_extend, 0);
});

test('multi-fidelity rungs are shares of the selection count: even counts ≥ 4, ascending, below it', () => {
  assert.deepEqual(rungCounts(5000, [0.12]), [600]);
  assert.deepEqual(rungCounts(512, [0.25]), [128]);
  assert.deepEqual(rungCounts(10, [0.1, 0.2, 0.5]), [4, 6]);
  assert.deepEqual(rungCounts(4, [0.5]), []);
  assert.throws(() => resolveRunConfig('smoke', { sweep: { fidelity: { rungs: [1] } } }), /sweep.fidelity.rungs.0/);
  assert.throws(
    () => resolveRunConfig('smoke', { sweep: { fidelity: { rungs: [0.5, 0.25] } } }),
    /sweep.fidelity.rungs.1: rungs must be ascending/,
  );
  assert.throws(
    () => resolveRunConfig('smoke', { selection: { seeds: { first: 100_000, count: 4 } } }),
    /sweep.fidelity.rungs: no rung/,
  );
  assert.equal(
    resolveRunConfig('smoke', { sweep: { fidelity: { rungs: [0.1, 0.3], z: 3 } } }).sweep.fidelity!.max_contenders,
    8,
  );
});
