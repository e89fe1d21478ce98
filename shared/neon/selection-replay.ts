// Replays selection many times on a synthetic FID surface with resampled sampling noise, to measure how often
// multi-fidelity selection drops the winner and how its choice compares with the full-count procedure's.
//
// Noise model (what FID on nested seed ranges does): a trial on the first n seeds is the surface plus the
// count-weighted mean of its chunks' noises ([0, n0/2), [n0/2, n0), [n0, n1), …, the chunks trials keep); a chunk of
// k seeds has noise of standard deviation σ1/√k, of which a share ρ of the variance is common to every point (the
// same seeds) and the rest the point's own. FID's bias at n is common to every point at that n, so it is left out:
// the procedure only compares points at equal counts.
import {
  planSelection,
  selectionKey,
  type Fidelity,
  type SelectionResults,
  type TrialScore,
} from './multi-fidelity.ts';
import { pointKey, type ScoredPoint, type SweepGrid, type SweepPoint } from './sweep.ts';
import { hash2, Rng } from '../random/prng.ts';

/** A surface shaped like fmnist-flow's measured one: base best 137 at guidance 1.5, Neon 115 at w 0.75, c 3. */
export function fmnistLikeSurface(p: SweepPoint): number {
  const gain = p.snapshot === null ? 0 : p.snapshot <= 100 ? 0.8 : p.snapshot <= 200 ? 1 : 0.9;
  const u = p.w / 0.75;
  return 137 + 8 * (p.cfg - 1.5 - 2 * p.w) ** 2 - 22 * gain * (2 * u - u * u);
}

export interface ReplayOptions {
  grid: SweepGrid;
  fidelity: Fidelity;
  /** The full selection count. */
  full: number;
  /** Noise of one FID at the full count. */
  sigmaFull: number;
  /** Share of the noise variance common to every point (same seeds); 0 is the worst case for a difference. */
  rho: number;
  replicates: number;
  seed: number;
  surface?: (p: SweepPoint) => number;
}

export interface ReplayOutcome {
  replicates: number;
  /** Replicates where the best full-count point among rung 0's visited ones did not survive rung 0. */
  dropped: number;
  /** Replicates where multi-fidelity chose the full-count procedure's point. */
  same: number;
  /** Replicates where the chosen point's true FID exceeds the full-count choice's by more than 1%. */
  worseBy1pct: number;
  /** Mean samples drawn, multi-fidelity over full count. */
  sampleRatio: number;
  /** Mean trials, multi-fidelity and full count. */
  trials: { multi: number; full: number };
}

/** The FID of a point on the first n seeds in one replicate, and its halves' FIDs at the lowest rung. */
function noisyScore(o: ReplayOptions, rep: number, p: SweepPoint, n: number, halves: boolean): TrialScore {
  const f = (o.surface ?? fmnistLikeSurface)(p);
  const sigma1 = o.sigmaFull * Math.sqrt(o.full);
  const bounds = [0, o.fidelity.rungs[0] / 2, ...o.fidelity.rungs, o.full].filter((b, i, a) => i === 0 || b > a[i - 1]);
  const key = pointKey(p);
  let h = 0;
  for (let i = 0; i < key.length; i++) h = hash2(h, key.charCodeAt(i));
  const chunk = (i: number) => {
    const k = bounds[i + 1] - bounds[i];
    const common = new Rng(hash2(hash2(o.seed, rep), 1000 + i)).normal();
    const own = new Rng(hash2(hash2(hash2(o.seed, rep), h), i)).normal();
    return ((Math.sqrt(o.rho) * common + Math.sqrt(1 - o.rho) * own) * sigma1) / Math.sqrt(k);
  };
  let sum = 0;
  let covered = 0;
  const parts: number[] = [];
  for (let i = 0; i + 1 < bounds.length && bounds[i + 1] <= n; i++) {
    const e = chunk(i);
    parts.push(e);
    sum += e * (bounds[i + 1] - bounds[i]);
    covered = bounds[i + 1];
  }
  if (covered !== n) throw new Error(`replay: ${n} is not a rung`);
  const score: TrialScore = { fid: f + sum / n };
  return halves ? { ...score, halves: [f + parts[0], f + parts[1]] } : score;
}

/** Runs selection to the end with `score` as the trial function; returns the plan and the samples drawn. */
function drive(
  o: ReplayOptions,
  fidelity: Fidelity | null,
  score: (p: SweepPoint, n: number, halves: boolean) => TrialScore,
) {
  const results = new Map<string, TrialScore>();
  const measured = new Map<string, number>(); // point → seeds already measured
  let samples = 0;
  for (let round = 0; round < 10_000; round++) {
    const plan = planSelection(o.grid, o.full, fidelity, results as SelectionResults);
    if (plan.done) return { plan, samples, trials: results.size };
    for (const t of plan.pending) {
      const k = pointKey(t);
      samples += t.n - (measured.get(k) ?? 0);
      measured.set(k, Math.max(t.n, measured.get(k) ?? 0));
      results.set(selectionKey(t, t.n, fidelity), score(t, t.n, !!fidelity && t.n === fidelity.rungs[0]));
    }
  }
  throw new Error('replay: selection did not finish');
}

export function replaySelection(o: ReplayOptions): ReplayOutcome {
  const f = o.surface ?? fmnistLikeSurface;
  const out: ReplayOutcome = {
    replicates: o.replicates,
    dropped: 0,
    same: 0,
    worseBy1pct: 0,
    sampleRatio: 0,
    trials: { multi: 0, full: 0 },
  };
  for (let rep = 0; rep < o.replicates; rep++) {
    const score = (p: SweepPoint, n: number, halves: boolean) => noisyScore(o, rep, p, n, halves);
    const full = drive(o, null, score);
    const multi = drive(o, o.fidelity, score);
    const rung0 = multi.plan.visited.filter((p) => p.n === o.fidelity.rungs[0]);
    let winner: ScoredPoint | undefined;
    for (const p of rung0) {
      const fid = score(p, o.full, false).fid;
      if (!winner || fid < winner.fid) winner = { ...p, fid };
    }
    if (winner && !multi.plan.rungs[0].contenders.includes(pointKey(winner))) out.dropped++;
    if (pointKey(multi.plan.best!) === pointKey(full.plan.best!)) out.same++;
    if (f(multi.plan.best!) > 1.01 * f(full.plan.best!)) out.worseBy1pct++;
    out.sampleRatio += multi.samples / full.samples / o.replicates;
    out.trials.multi += multi.trials / o.replicates;
    out.trials.full += full.trials / o.replicates;
  }
  return out;
}
