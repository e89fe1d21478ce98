import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSweep, pointKey, refinementPoints, roundGrid, type SweepGrid, type SweepPoint } from './sweep.ts';

/** Runs the sweep to the end against an FID function, recording every evaluation (as the orchestrator would). */
function drive(grid: SweepGrid, fid: (p: SweepPoint) => number) {
  const results = new Map<string, number>();
  const evaluated: string[] = [];
  for (let round = 0; round < 1000; round++) {
    const plan = planSweep(grid, results);
    if (plan.done) return { plan, results, evaluated };
    assert.ok(plan.pending.length > 0, 'a plan that is not done names pending trials');
    for (const p of plan.pending) {
      const k = pointKey(p);
      assert.ok(!results.has(k), `trial ${k} asked for twice`);
      results.set(k, fid(p));
      evaluated.push(k);
    }
  }
  throw new Error('sweep did not finish');
}

const grid = (over: Partial<SweepGrid> = {}): SweepGrid => ({
  snapshots: [100],
  wGrid: [0, 0.5, 1, 1.5, 2, 2.5, 3],
  cfgGrid: [1],
  tolerance: 0.03,
  refineStep: 0.1,
  ...over,
});

test('a w line stops once FID rises more than the tolerance above its best', () => {
  // a parabola with its minimum at w = 1: 5 + (w − 1)²
  const { plan, evaluated } = drive(grid({ refineStep: 0 }), (p) => 5 + (p.w - 1) ** 2);
  // w = 0 (6), 0.5 (5.25), 1 (5), 1.5 (5.25 > 5.03: stop) — 2, 2.5, 3 are never evaluated
  assert.deepEqual(evaluated, ['base:c1', 's100:w0.5:c1', 's100:w1:c1', 's100:w1.5:c1']);
  assert.equal(plan.best?.w, 1);
  assert.equal(plan.best?.fid, 5);
});

test('a rise within the tolerance does not stop the line', () => {
  // FID: 5, 4, 4.02 (within 0.03 of 4), 3.5, then up
  const curve: Record<string, number> = { '0': 5, '0.5': 4, '1': 4.02, '1.5': 3.5, '2': 3.6, '2.5': 3.9, '3': 1 };
  const { plan, evaluated } = drive(grid({ refineStep: 0 }), (p) => curve[String(p.w)]);
  assert.deepEqual(evaluated, ['base:c1', 's100:w0.5:c1', 's100:w1:c1', 's100:w1.5:c1', 's100:w2:c1']);
  // w = 3 would be better, but the line stopped at w = 2 (3.6 > 3.53): early stopping is part of the procedure
  assert.equal(plan.best?.w, 1.5);
});

test('refinement evaluates ±step around the frozen best and keeps the best of all', () => {
  // minimum at w = 1.1, off the grid
  const { plan, evaluated } = drive(grid(), (p) => 5 + (p.w - 1.1) ** 2);
  assert.equal(plan.frozen?.w, 1);
  assert.deepEqual(evaluated.slice(-2), ['s100:w0.9:c1', 's100:w1.1:c1']);
  assert.equal(plan.best?.w, 1.1);
  assert.equal(roundGrid(plan.best!.fid), 5);
});

test('the refinement round is one round: a better neighbour is not refined again', () => {
  const { plan, evaluated } = drive(grid(), (p) => 5 + (p.w - 1.3) ** 2);
  assert.equal(plan.frozen?.w, 1.5);
  assert.equal(plan.best?.w, 1.4);
  assert.ok(!evaluated.includes('s100:w1.3:c1'));
});

test('the cfg line stops when a guidance scale line is worse than the best line by more than the tolerance', () => {
  // FID(w, c) = (c − 1.5)² + (w − 0.5)² + 2: the best line is c = 1.5 (2.0); c = 2's best is 2.25 > 2.03 → stop
  const g = grid({ cfgGrid: [1, 1.5, 2, 3, 3.5], refineStep: 0 });
  const { plan, evaluated } = drive(g, (p) => (p.cfg - 1.5) ** 2 + (p.w - 0.5) ** 2 + 2);
  assert.equal(plan.best?.cfg, 1.5);
  assert.equal(plan.best?.w, 0.5);
  assert.ok(evaluated.some((k) => k.startsWith('s100:') && k.endsWith(':c2')));
  assert.ok(!evaluated.some((k) => k.startsWith('s100:') && (k.endsWith(':c3') || k.endsWith(':c3.5'))));
  // the base line stops the same way over the same grid: c = 2 rises 0.25 above c = 1.5
  assert.equal(plan.base?.cfg, 1.5);
  assert.ok(!evaluated.includes('base:c3'));
});

test('w = 0 is the base point for every snapshot: evaluated once', () => {
  const g = grid({ snapshots: [10, 20, 30], cfgGrid: [1, 2] });
  const { evaluated } = drive(g, (p) => 3 + (p.w - (p.snapshot ?? 0) / 20) ** 2 + (p.cfg - 1) ** 2);
  assert.equal(evaluated.filter((k) => k === 'base:c1').length, 1);
  assert.equal(new Set(evaluated).size, evaluated.length);
});

test('snapshots walk in parallel: one pending trial per snapshot at a time', () => {
  const g = grid({ snapshots: [10, 20, 30] });
  const first = planSweep(g, new Map());
  assert.deepEqual(first.pending.map(pointKey), ['base:c1']);
  const second = planSweep(g, new Map([['base:c1', 4]]));
  assert.deepEqual(second.pending.map(pointKey), ['s10:w0.5:c1', 's20:w0.5:c1', 's30:w0.5:c1']);
});

test('ties go to the smaller w, then the earlier snapshot', () => {
  const g = grid({ snapshots: [10, 20], wGrid: [0, 1, 2], refineStep: 0 });
  // flat curve: every point has the same FID → the base point (w = 0) wins
  const flat = drive(g, () => 2);
  assert.equal(flat.plan.best?.snapshot, null);
  assert.equal(flat.plan.best?.w, 0);
  // equal minima at w = 1 for both snapshots → the earlier snapshot
  const twin = drive(g, (p) => (p.w === 1 ? 1 : 2));
  assert.equal(twin.plan.best?.snapshot, 10);
  assert.equal(twin.plan.best?.w, 1);
});

test('when the base wins, refinement tries w = step on every snapshot and cfg ± step at w = 0', () => {
  const g = grid({ snapshots: [10, 20], cfgGrid: [1, 2] });
  assert.deepEqual(refinementPoints(g, { snapshot: null, w: 0, cfg: 1 }).map(pointKey), [
    's10:w0.1:c1',
    's20:w0.1:c1',
    'base:c0.9',
    'base:c1.1',
  ]);
  // the base best guidance scale stays on the grid even if an off-grid base point is better
  const { plan } = drive(g, (p) => 1 + p.w + Math.abs(p.cfg - 1.1));
  assert.equal(plan.best?.cfg, 1.1);
  assert.equal(plan.best?.w, 0);
  assert.equal(plan.base?.cfg, 1);
});

test('the plan is a function of the results only (replaying gives the same answer)', () => {
  const g = grid({ snapshots: [10, 20], cfgGrid: [1, 1.5, 2] });
  const f = (p: SweepPoint) => Math.sin(3 * p.w + (p.snapshot ?? 0)) + p.cfg * 0.1 + 2;
  const a = drive(g, f);
  const b = planSweep(g, a.results);
  assert.deepEqual(b, a.plan);
});

test('a relative tolerance stops a line above max(tolerance, tolerance_rel × best)', () => {
  // FID 100, 99, 99.5, 98: the rise 0.5 stops the absolute line; 1% of 99 (0.99) does not
  const curve: Record<string, number> = { '0': 100, '0.5': 99, '1': 99.5, '1.5': 98, '2': 101, '2.5': 102, '3': 103 };
  const abs = drive(grid({ refineStep: 0 }), (p) => curve[String(p.w)]);
  assert.equal(abs.plan.best?.w, 0.5);
  const rel = drive(grid({ refineStep: 0, toleranceRel: 0.01 }), (p) => curve[String(p.w)]);
  assert.equal(rel.plan.best?.w, 1.5);
  assert.deepEqual(rel.evaluated, ['base:c1', 's100:w0.5:c1', 's100:w1:c1', 's100:w1.5:c1', 's100:w2:c1']);
});

test('a best guidance at either end of the grid extends the line past that end, with the grid spacing there', () => {
  // the base is best at guidance 0.5 (below the grid), Neon at guidance 4 (above it)
  const fid = (p: SweepPoint) => (p.w === 0 ? 100 + (p.cfg - 0.5) ** 2 : 90 + (p.cfg - 4) ** 2 + (p.w - 1) ** 2);
  const { plan, evaluated } = drive(
    grid({ refineStep: 0, wGrid: [0, 1], cfgGrid: [1, 1.5, 2, 2.5, 3], cfgExtend: 4 }),
    fid,
  );
  assert.equal(plan.base?.cfg, 0.5, 'the base line went down to its own best');
  assert.ok(evaluated.includes('base:c0'), 'and one past it, which is worse');
  assert.ok(!evaluated.includes('base:c-0.5'));
  assert.deepEqual([plan.best?.w, plan.best?.cfg], [1, 4]);
  assert.ok(
    evaluated.includes('s100:w1:c4.5') && !evaluated.includes('s100:w1:c5'),
    'the snapshot line stops one past its best',
  );
  // without extension the choice stays on the grid
  const fixed = drive(grid({ refineStep: 0, wGrid: [0, 1], cfgGrid: [1, 1.5, 2, 2.5, 3], cfgExtend: 0 }), fid);
  assert.equal(fixed.plan.base?.cfg, 1);
  assert.equal(fixed.plan.best?.cfg, 3);
  // extension is bounded, and a one-value grid is a fixed guidance scale
  const bounded = drive(grid({ refineStep: 0, wGrid: [0, 1], cfgGrid: [1, 1.5], cfgExtend: 2 }), fid);
  assert.equal(bounded.plan.best?.cfg, 2.5);
  const single = drive(grid({ refineStep: 0, wGrid: [0, 1], cfgGrid: [3], cfgExtend: 4 }), fid);
  assert.ok(single.evaluated.every((k) => k.endsWith(':c3')));
});
