// Selection at several sample counts (multi-fidelity), as a pure function of the trial results, like planSweep:
// rule points out on few samples, spend the full count only on contenders.
//
//   rung 0: the whole selection procedure (planSweep: base line, w lines, guidance lines, refinement) with every
//           trial on the first n0 selection seeds. Each rung-0 trial also reports the FID of its two halves
//           (n0/2 seeds each); the pooled noise of one FID at n0 is σ0 = √(mean (h1 − h2)²) / 2.
//   contenders: the visited points whose FID is within m = z·√2·σ0 of the best at that rung (√2: a difference of
//           two FIDs), at most `maxContenders` of them, best first; the base line's points within m of the base
//           line's best the same way (the base's best guidance is chosen honestly too).
//   rung i > 0: the contenders of rung i − 1 on the first n_i seeds; the margin shrinks as σ0·√(n0/n_i); the last
//           rung is the full selection count, where the best contender is the choice and the best base contender
//           the base's best guidance scale.
// FID's bias depends on the sample count, so points are only ever compared at equal counts. A trial is keyed by
// its count (`n625:s200:w0.5:c1.5`), and the seeds of rung i contain those of rung i − 1, so a higher rung only
// adds samples to the lower rung's statistics.
// With `fidelity` absent the procedure is planSweep itself on the full count, with its own keys (`s200:w0.5:c1.5`).
import {
  better,
  canonicalPoint,
  planSweep,
  pointKey,
  type ScoredPoint,
  type SweepGrid,
  type SweepPoint,
} from './sweep.ts';

export interface Fidelity {
  /** Sample counts of the rungs below the full count, ascending; each even and below the full count. */
  rungs: readonly number[];
  /** Contender margin in standard deviations of a FID difference at the rung. */
  z: number;
  /** At most this many points (and as many base points) go on to the next rung. */
  maxContenders: number;
}

/** A trial's outcome: the FID, and at rung 0 the FIDs of the two halves of its seeds. */
export interface TrialScore {
  fid: number;
  halves?: readonly [number, number];
}

/** Trial outcomes by selectionKey. */
export type SelectionResults = ReadonlyMap<string, TrialScore>;

export interface SelectionTrial extends SweepPoint {
  /** Selection seeds of the trial: the first n. */
  n: number;
}

export interface RungSummary {
  n: number;
  /** Noise of one FID at this rung (NaN when unknown). */
  sigma: number;
  /** Contender margin at this rung. */
  margin: number;
  /** Points that go on to the next rung (keys), best first. */
  contenders: string[];
}

export interface SelectionPlan {
  pending: SelectionTrial[];
  done: boolean;
  /** The base's best guidance scale, scored at the full count (when done). */
  base?: ScoredPoint;
  /** The chosen point, scored at the full count (when done). */
  best?: ScoredPoint;
  /** The coarse best of rung 0's walks (the full procedure's frozen point). */
  frozen?: ScoredPoint;
  /** Every trial with a known FID that the procedure used, in visiting order. */
  visited: (ScoredPoint & { n: number })[];
  /** What each finished lower rung decided. */
  rungs: RungSummary[];
}

/** The key of a trial: the point's key, prefixed with its count under multi-fidelity selection. */
export function selectionKey(p: SweepPoint, n: number, fidelity: Fidelity | null | undefined): string {
  return fidelity ? `n${n}:${pointKey(p)}` : pointKey(p);
}

/** Pooled noise of one FID at n0 from the split halves of rung-0 trials: √(mean (h1 − h2)²) / 2 (NaN if none). */
export function pooledNoise(scores: readonly TrialScore[]): number {
  let s = 0;
  let k = 0;
  for (const t of scores) {
    if (!t.halves) continue;
    const d = t.halves[0] - t.halves[1];
    if (!Number.isFinite(d)) continue;
    s += d * d;
    k++;
  }
  return k === 0 ? NaN : Math.sqrt(s / k) / 2;
}

/** Points within `margin` of the best, best first, at most `max` (the best always stays). */
function contendersOf(points: readonly ScoredPoint[], margin: number, max: number): ScoredPoint[] {
  const sorted = [...points].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  if (sorted.length === 0) return [];
  const cut = sorted[0].fid + (Number.isNaN(margin) ? Infinity : margin);
  return sorted.filter((p) => p.fid <= cut).slice(0, Math.max(1, max));
}

function argmin(points: readonly ScoredPoint[]): ScoredPoint | undefined {
  let best: ScoredPoint | undefined;
  for (const p of points) if (!best || better(p, best)) best = p;
  return best;
}

/** The next trials of selection at `full` samples, or the choice; `fidelity` null is the single-count procedure. */
export function planSelection(
  grid: SweepGrid,
  full: number,
  fidelity: Fidelity | null | undefined,
  results: SelectionResults,
): SelectionPlan {
  if (!fidelity || fidelity.rungs.length === 0) {
    const fids = new Map<string, number>();
    for (const [k, v] of results) fids.set(k, v.fid);
    const plan = planSweep(grid, fids);
    return {
      pending: plan.pending.map((p) => ({ ...p, n: full })),
      done: plan.done,
      base: plan.base,
      best: plan.best,
      frozen: plan.frozen,
      visited: plan.visited.map((p) => ({ ...p, n: full })),
      rungs: [],
    };
  }
  validateFidelity(fidelity, full);
  const counts = [...fidelity.rungs, full];
  const n0 = counts[0];
  const at = (n: number) => {
    const m = new Map<string, number>();
    const prefix = `n${n}:`;
    for (const [k, v] of results) if (k.startsWith(prefix)) m.set(k.slice(prefix.length), v.fid);
    return m;
  };
  const plan0 = planSweep(grid, at(n0));
  const visited: (ScoredPoint & { n: number })[] = plan0.visited.map((p) => ({ ...p, n: n0 }));
  if (!plan0.done) return { pending: plan0.pending.map((p) => ({ ...p, n: n0 })), done: false, visited, rungs: [] };

  const sigma0 = pooledNoise(plan0.visited.map((p) => results.get(selectionKey(p, n0, fidelity))!));
  let points: ScoredPoint[] = plan0.visited;
  // the base line's points on rung 0 (its best is plan0.base)
  let basePoints: ScoredPoint[] = plan0.baseLine;
  const rungs: RungSummary[] = [];
  for (let i = 0; i < counts.length - 1; i++) {
    const sigma = sigma0 * Math.sqrt(n0 / counts[i]);
    const margin = fidelity.z * Math.SQRT2 * sigma;
    const keep = contendersOf(points, margin, fidelity.maxContenders);
    const keepBase = contendersOf(basePoints, margin, fidelity.maxContenders);
    rungs.push({ n: counts[i], sigma, margin, contenders: keep.map((p) => pointKey(p)) });
    const next = counts[i + 1];
    const fids = at(next);
    const pending: SelectionTrial[] = [];
    const scored = (list: readonly ScoredPoint[]) =>
      list.flatMap((p) => {
        const fid = fids.get(pointKey(p));
        if (fid === undefined) {
          if (!pending.some((q) => pointKey(q) === pointKey(p))) pending.push({ ...canonicalPoint(p), n: next });
          return [];
        }
        return [{ ...canonicalPoint(p), fid }];
      });
    points = scored(keep);
    basePoints = scored(keepBase);
    if (pending.length > 0) return { pending, done: false, frozen: plan0.frozen, visited, rungs };
    const seen = new Set<string>();
    for (const p of [...points, ...basePoints]) {
      if (seen.has(pointKey(p))) continue;
      seen.add(pointKey(p));
      visited.push({ ...p, n: next });
    }
  }
  return {
    pending: [],
    done: true,
    base: argmin(basePoints),
    best: argmin(points),
    frozen: plan0.frozen,
    visited,
    rungs,
  };
}

export function validateFidelity(f: Fidelity, full: number): void {
  let last = 0;
  for (const n of f.rungs) {
    if (!(Number.isInteger(n) && n >= 4 && n % 2 === 0))
      throw new Error(`selection: rung ${n} must be an even count ≥ 4`);
    if (!(n > last)) throw new Error('selection: rungs must be ascending');
    last = n;
  }
  if (!(last < full)) throw new Error(`selection: rung ${last} must be below the full count ${full}`);
  if (!(f.z > 0)) throw new Error('selection: z must be > 0');
  if (!(Number.isInteger(f.maxContenders) && f.maxContenders >= 1))
    throw new Error('selection: maxContenders must be a count ≥ 1');
}
