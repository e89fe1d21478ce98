// Neon's selection procedure (the official sweep scripts, DESIGN.md §1 step 4) as a pure function of the FIDs
// measured so far: given the grid and every completed trial, it names the trials to run next, or the chosen point.
//
//   1. base line: the base model θr over the guidance grid (w = 0), in grid order; the line stops when a point's
//      FID rises more than the stop margin above the line's best: max(tolerance, toleranceRel × best). Its argmin
//      is the base's best guidance scale.
//   2. per snapshot s, per guidance scale c (in grid order): a w line over the w grid (ascending), stopped the same
//      way; and the cfg line of s (the lines' bests, in order) stops when a line's best rises more than `tolerance`
//      above the best of the lines before it.
//   Guidance lines (the base line, and each snapshot's cfg line) check the grid's ends: when a line's best sits at
//   the smallest or the largest guidance of a grid of two or more values, the line goes on past that end with the
//   grid's spacing there (never below 0), while the newest point is the best, at most `cfgExtend` points per end.
//   3. the coarse best point is frozen; its neighbours w* ± step and c* ± step are evaluated (one round), and the
//      final choice is the best of everything evaluated.
// θneon(0) = θr whatever the snapshot, so every w = 0 point is the base point at that guidance scale: one trial.
// Walks are sequential within a snapshot (the next point depends on the last FID) and independent across
// snapshots, so the pending set can hold one trial per snapshot (and one for the base line) at once.
// Ties (equal FID) go to the smaller |w| (closer to the base), then the earlier snapshot, then the smaller cfg.

export interface SweepGrid {
  /** Snapshot ids (self-training steps) to sweep, in order. */
  snapshots: readonly number[];
  /** w values; walked in ascending order. */
  wGrid: readonly number[];
  /** Guidance scales; walked in the given order. */
  cfgGrid: readonly number[];
  /** Absolute FID rise above a line's best that stops the line (official: 0.03). */
  tolerance: number;
  /** The same rise relative to the line's best; a line stops above max(tolerance, toleranceRel × best). Default 0. */
  toleranceRel?: number;
  /** Points past either end of the guidance grid a line may add while its best sits at that end. Default 0. */
  cfgExtend?: number;
  /** Refinement step around the frozen best point (official: 0.1); 0 disables refinement. */
  refineStep: number;
}

/** A sweep point; `snapshot` is null for the base model (w = 0). */
export interface SweepPoint {
  snapshot: number | null;
  w: number;
  cfg: number;
}

export interface ScoredPoint extends SweepPoint {
  fid: number;
}

export interface SweepPlan {
  /** Trials whose FID is needed next (not yet in the results), in a deterministic order. */
  pending: SweepPoint[];
  /** True when nothing is pending and the choice below is final. */
  done: boolean;
  /** The base's best guidance scale on the grid (once the base line is complete). */
  base?: ScoredPoint;
  /** The base points on the base line's guidance scales (grid and extension) visited so far. */
  baseLine: ScoredPoint[];
  /** The chosen point (when done). */
  best?: ScoredPoint;
  /** The frozen coarse best (once every walk is complete). */
  frozen?: ScoredPoint;
  /** Every point the procedure has visited with a known FID, in visiting order (no duplicates). */
  visited: ScoredPoint[];
}

/** FIDs by pointKey. */
export type SweepResults = ReadonlyMap<string, number>;

/** Rounds a grid value so that keys and comparisons do not depend on float noise (0.1 + 0.2). */
export function roundGrid(x: number): number {
  return Math.round(x * 1e10) / 1e10 + 0;
}

/** The canonical point: w = 0 is the base model, whatever the snapshot. */
export function canonicalPoint(p: SweepPoint): SweepPoint {
  const w = roundGrid(p.w);
  return { snapshot: w === 0 ? null : p.snapshot, w, cfg: roundGrid(p.cfg) };
}

/** A point's key, unique per distinct model × guidance: `base:c1.5` or `s200:w0.7:c1.5`. */
export function pointKey(p: SweepPoint): string {
  const q = canonicalPoint(p);
  if (q.snapshot === null) return `base:c${q.cfg}`;
  return `s${q.snapshot}:w${q.w}:c${q.cfg}`;
}

/** Strict "better": lower FID; on a tie, smaller |w|, then earlier snapshot (base first), then smaller cfg. */
export function better(a: ScoredPoint, b: ScoredPoint): boolean {
  if (a.fid !== b.fid) return a.fid < b.fid;
  if (Math.abs(a.w) !== Math.abs(b.w)) return Math.abs(a.w) < Math.abs(b.w);
  const sa = a.snapshot ?? -Infinity;
  const sb = b.snapshot ?? -Infinity;
  if (sa !== sb) return sa < sb;
  return a.cfg < b.cfg;
}

function argmin(points: readonly ScoredPoint[]): ScoredPoint | undefined {
  let best: ScoredPoint | undefined;
  for (const p of points) if (!best || better(p, best)) best = p;
  return best;
}

type Walk = { status: 'pending'; point: SweepPoint } | { status: 'done'; best?: ScoredPoint; extended?: number[] };

/** The FID rise above a line's best that stops the line: max(tolerance, toleranceRel × |best|). */
export function stopMargin(grid: SweepGrid, best: number): number {
  return Math.max(grid.tolerance, (grid.toleranceRel ?? 0) * Math.abs(best));
}

/** Walks one line over `points`: stops at the first unknown FID, or when a FID exceeds the line's best + margin. */
function walkLine(
  grid: SweepGrid,
  points: readonly SweepPoint[],
  results: SweepResults,
  visit: (p: ScoredPoint) => void,
): Walk {
  let best: ScoredPoint | undefined;
  for (const p of points) {
    const fid = results.get(pointKey(p));
    if (fid === undefined) return { status: 'pending', point: canonicalPoint(p) };
    const scored = { ...canonicalPoint(p), fid };
    visit(scored);
    if (!best || better(scored, best)) best = scored;
    else if (fid > best.fid + stopMargin(grid, best.fid)) break;
  }
  return { status: 'done', best };
}

/**
 * A guidance line: `at(c)` per guidance scale in grid order, stopped when a best rises above the line's best +
 * margin; then, while the line's best sits at an end of the grid (two or more values), points past that end.
 */
function walkCfg(grid: SweepGrid, at: (c: number) => Walk): Walk {
  let best: ScoredPoint | undefined;
  for (const c of grid.cfgGrid) {
    const line = at(c);
    if (line.status === 'pending') return line;
    if (!line.best) continue;
    if (!best || better(line.best, best)) best = line.best;
    else if (line.best.fid > best.fid + stopMargin(grid, best.fid)) break;
  }
  const extended: number[] = [];
  const sorted = [...new Set(grid.cfgGrid.map(roundGrid))].sort((a, b) => a - b);
  const limit = grid.cfgExtend ?? 0;
  if (!best || !(limit > 0) || sorted.length < 2) return { status: 'done', best, extended };
  const ends: [number, number][] = [
    [sorted[sorted.length - 1], sorted[sorted.length - 1] - sorted[sorted.length - 2]],
    [sorted[0], sorted[0] - sorted[1]],
  ];
  for (const [end, step] of ends) {
    if (roundGrid(best.cfg) !== end) continue;
    let c = end;
    for (let k = 0; k < limit; k++) {
      c = roundGrid(c + step);
      if (c < 0) break;
      const line = at(c);
      if (line.status === 'pending') return line;
      extended.push(c);
      if (!line.best || !better(line.best, best)) break;
      best = line.best;
    }
  }
  return { status: 'done', best, extended };
}

/** The cfg line of one snapshot: a w line per guidance scale, stopped when a line's best rises above the best. */
function walkSnapshot(grid: SweepGrid, s: number, results: SweepResults, visit: (p: ScoredPoint) => void): Walk {
  const ws = [...grid.wGrid].map(roundGrid).sort((a, b) => a - b);
  return walkCfg(grid, (c) =>
    walkLine(
      grid,
      ws.map((w) => ({ snapshot: s, w, cfg: c })),
      results,
      visit,
    ),
  );
}

/** The refinement neighbours of the frozen best: w* ± step at c*, and c* ± step at w* (w ≥ 0, cfg ≥ 0). */
export function refinementPoints(grid: SweepGrid, frozen: SweepPoint): SweepPoint[] {
  const step = grid.refineStep;
  if (!(step > 0)) return [];
  const out: SweepPoint[] = [];
  // from the base point, w + step exists once per snapshot
  const snapshots = frozen.snapshot === null ? grid.snapshots : [frozen.snapshot];
  for (const s of snapshots) {
    for (const w of [frozen.w - step, frozen.w + step])
      if (roundGrid(w) >= 0) out.push(canonicalPoint({ snapshot: s, w, cfg: frozen.cfg }));
  }
  if (grid.cfgGrid.length > 1) {
    for (const c of [frozen.cfg - step, frozen.cfg + step])
      if (roundGrid(c) >= 0) out.push(canonicalPoint({ snapshot: frozen.snapshot, w: frozen.w, cfg: c }));
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = pointKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The next step of the sweep given the FIDs known so far. */
export function planSweep(grid: SweepGrid, results: SweepResults): SweepPlan {
  validateGrid(grid);
  const visited: ScoredPoint[] = [];
  const seen = new Set<string>();
  const visit = (p: ScoredPoint) => {
    const k = pointKey(p);
    if (!seen.has(k)) {
      seen.add(k);
      visited.push(p);
    }
  };
  const pending: SweepPoint[] = [];
  const addPending = (p: SweepPoint) => {
    if (!pending.some((q) => pointKey(q) === pointKey(p))) pending.push(p);
  };

  const baseWalk = walkCfg(grid, (c) => walkLine(grid, [{ snapshot: null, w: 0, cfg: c }], results, visit));
  if (baseWalk.status === 'pending') addPending(baseWalk.point);
  for (const s of grid.snapshots) {
    const walk = walkSnapshot(grid, s, results, visit);
    if (walk.status === 'pending') addPending(walk.point);
  }
  const onGrid = new Set([
    ...grid.cfgGrid.map(roundGrid),
    ...(baseWalk.status === 'done' ? (baseWalk.extended ?? []) : []),
  ]);
  const baseLine = visited.filter((p) => p.snapshot === null && onGrid.has(p.cfg));
  const baseBest = baseWalk.status === 'done' ? argmin(baseLine) : undefined;
  if (pending.length > 0) return { pending, done: false, base: baseBest, baseLine, visited };

  const frozen = argmin(visited);
  if (!frozen) throw new Error('sweep: nothing was evaluated');
  for (const p of refinementPoints(grid, frozen)) {
    const fid = results.get(pointKey(p));
    if (fid === undefined) addPending(p);
    else visit({ ...p, fid });
  }
  if (pending.length > 0) return { pending, done: false, base: baseBest, baseLine, frozen, visited };
  return { pending, done: true, base: baseBest, baseLine, frozen, best: argmin(visited), visited };
}

export function validateGrid(grid: SweepGrid): void {
  if (grid.wGrid.length === 0) throw new Error('sweep: the w grid is empty');
  if (grid.cfgGrid.length === 0) throw new Error('sweep: the guidance grid is empty');
  if (grid.snapshots.length === 0) throw new Error('sweep: no snapshots to sweep');
  if (!(grid.tolerance >= 0)) throw new Error('sweep: tolerance must be ≥ 0');
  if (!(grid.refineStep >= 0)) throw new Error('sweep: refinement step must be ≥ 0');
  if (!((grid.toleranceRel ?? 0) >= 0)) throw new Error('sweep: relative tolerance must be ≥ 0');
  if (!(Number.isInteger(grid.cfgExtend ?? 0) && (grid.cfgExtend ?? 0) >= 0))
    throw new Error('sweep: guidance extension must be a count ≥ 0');
}
