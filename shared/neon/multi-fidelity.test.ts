import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSelection, pooledNoise, selectionKey, type Fidelity, type TrialScore } from './multi-fidelity.ts';
import { planSweep, pointKey, type SweepGrid, type SweepPoint } from './sweep.ts';
import { replaySelection } from './selection-replay.ts';

const grid: SweepGrid = {
  snapshots: [10, 20],
  wGrid: [0, 0.5, 1, 1.5, 2],
  cfgGrid: [1, 2],
  tolerance: 0.03,
  toleranceRel: 0.01,
  cfgExtend: 2,
  refineStep: 0.1,
};
const fidelity: Fidelity = { rungs: [100], z: 2.5, maxContenders: 3 };

/** Runs selection to the end; `score(p, n)` gives the trial's outcome. Records each trial once. */
function drive(f: Fidelity | null, score: (p: SweepPoint, n: number) => TrialScore, full = 400) {
  const results = new Map<string, TrialScore>();
  const order: string[] = [];
  for (let round = 0; round < 1000; round++) {
    const plan = planSelection(grid, full, f, results);
    if (plan.done) return { plan, results, order };
    assert.ok(plan.pending.length > 0);
    for (const p of plan.pending) {
      const k = selectionKey(p, p.n, f);
      assert.ok(!results.has(k), `trial ${k} asked for twice`);
      results.set(k, score(p, p.n));
      order.push(k);
    }
  }
  throw new Error('selection did not finish');
}

// a bowl with its minimum at snapshot 20, w = 1, guidance 2; the low rung adds a per-point offset (its noise)
const bowl = (p: SweepPoint) =>
  50 + (p.snapshot === 20 ? 0 : 1) * (p.w > 0 ? 1 : 0) + 4 * (p.w - 1) ** 2 + 3 * (p.cfg - 2) ** 2;
const noise = (p: SweepPoint) => ((pointKey(p).length * 7919) % 13) / 13 - 0.5;
const score = (p: SweepPoint, n: number): TrialScore =>
  n === 100
    ? { fid: bowl(p) + noise(p), halves: [bowl(p) + noise(p) + 0.4, bowl(p) + noise(p) - 0.4] }
    : { fid: bowl(p) };

test('without fidelity the procedure is planSweep on the full count, with its keys', () => {
  const { plan, order } = drive(null, (p) => ({ fid: bowl(p) }));
  const fids = new Map(order.map((k) => [k, 0]));
  for (const p of plan.visited) fids.set(pointKey(p), p.fid);
  const direct = planSweep(grid, fids);
  assert.ok(direct.done);
  assert.equal(pointKey(plan.best!), pointKey(direct.best!));
  assert.deepEqual(new Set(order), new Set(direct.visited.map((p) => pointKey(p))));
  assert.ok(plan.visited.every((p) => p.n === 400));
});

test('rung 0 runs the whole procedure on few seeds; only contenders reach the full count, compared there', () => {
  const { plan, order, results } = drive(fidelity, score);
  const low = order.filter((k) => k.startsWith('n100:'));
  const high = order.filter((k) => k.startsWith('n400:'));
  assert.equal(low.length + high.length, order.length, 'every key carries its count');
  // the low rung is exactly planSweep on the low rung's FIDs
  const plan0 = planSweep(grid, new Map(low.map((k) => [k.slice('n100:'.length), results.get(k)!.fid])));
  assert.ok(plan0.done);
  assert.deepEqual(new Set(plan0.visited.map((p) => `n100:${pointKey(p)}`)), new Set(low));
  // the margin: z·√2·σ with σ pooled from the halves (h1 − h2 = 0.8 everywhere: σ = 0.4)
  assert.equal(plan.rungs.length, 1);
  assert.ok(Math.abs(plan.rungs[0].sigma - 0.4) < 1e-12);
  assert.ok(Math.abs(plan.rungs[0].margin - 2.5 * Math.SQRT2 * 0.4) < 1e-12);
  assert.ok(plan.rungs[0].contenders.length <= 3);
  // the full count only for contenders (and the base line's), and the choice is the best of them at the full count
  const contenders = new Set(plan.rungs[0].contenders);
  assert.ok(high.length >= 1 && high.length <= 6);
  const fullPoints = plan.visited.filter((p) => p.n === 400);
  assert.ok(plan.best && fullPoints.some((p) => pointKey(p) === pointKey(plan.best!)));
  for (const p of fullPoints)
    assert.ok(plan.best!.fid <= p.fid || p.snapshot === null, 'the choice is the best contender at the full count');
  assert.ok(contenders.has(pointKey(plan.best!)));
  assert.equal(plan.best!.fid, bowl(plan.best!), 'the choice is scored at the full count');
  assert.equal(plan.base!.w, 0);
  assert.equal(plan.base!.fid, bowl(plan.base!), "the base's guidance is chosen at the full count too");
  assert.deepEqual([plan.best!.snapshot, plan.best!.w, plan.best!.cfg], [20, 1, 2]);
});

test('the plan is a function of the results alone: any prefix of them replans to the same next trials', () => {
  const { order, results } = drive(fidelity, score);
  for (let k = 0; k <= order.length; k += 3) {
    const prefix = new Map(order.slice(0, k).map((key) => [key, results.get(key)!]));
    const a = planSelection(grid, 400, fidelity, prefix);
    const b = planSelection(grid, 400, fidelity, new Map([...prefix].reverse()));
    assert.deepEqual(a, b);
    if (!a.done) assert.ok(a.pending.every((p) => !prefix.has(selectionKey(p, p.n, fidelity))));
  }
});

test('pooled noise: √(mean (h1 − h2)²) / 2 over the trials that measured halves', () => {
  assert.equal(
    pooledNoise([{ fid: 1, halves: [3, 1] }, { fid: 1 }, { fid: 2, halves: [2, 2] }]),
    Math.sqrt((4 + 0) / 2) / 2,
  );
  assert.ok(Number.isNaN(pooledNoise([{ fid: 1 }])));
});

test('without a noise estimate every point stays a contender, up to the cap', () => {
  const { plan } = drive(fidelity, (p, n) => ({ fid: bowl(p) + (n === 100 ? noise(p) : 0) }));
  assert.ok(Number.isNaN(plan.rungs[0].sigma));
  assert.equal(plan.rungs[0].contenders.length, 3);
});

test('bad fidelity settings are refused', () => {
  assert.throws(() => planSelection(grid, 400, { ...fidelity, rungs: [402] }, new Map()), /below the full count/);
  assert.throws(() => planSelection(grid, 400, { ...fidelity, rungs: [101] }, new Map()), /even count/);
  assert.throws(() => planSelection(grid, 400, { ...fidelity, rungs: [200, 100] }, new Map()), /ascending/);
  assert.throws(() => planSelection(grid, 400, { ...fidelity, z: 0 }, new Map()), /z must be/);
});

test('replayed with resampled noise, multi-fidelity drops the winner rarely and draws a fraction of the samples', () => {
  const g: SweepGrid = {
    snapshots: [100, 200, 300],
    wGrid: [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3],
    cfgGrid: [1, 1.5, 2, 2.5, 3],
    tolerance: 0.03,
    toleranceRel: 0.01,
    cfgExtend: 4,
    refineStep: 0.1,
  };
  const o = replaySelection({
    grid: g,
    fidelity: { rungs: [600], z: 2.5, maxContenders: 8 },
    full: 5000,
    sigmaFull: 0.3,
    rho: 0.5,
    replicates: 12,
    seed: 3,
  });
  assert.equal(o.replicates, 12);
  assert.ok(o.sampleRatio < 1 / 3, `samples ${o.sampleRatio}`);
  assert.ok(o.dropped <= 1, `dropped ${o.dropped}`);
  assert.ok(o.worseBy1pct === 0, `worse by 1%: ${o.worseBy1pct}`);
});
