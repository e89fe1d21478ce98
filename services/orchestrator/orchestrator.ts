// The orchestrator: a Neon run as a state machine over the event log.
//
//   pending ─► synthesizing ─► self-training ─► sweeping ─► reporting ─► promoting ─► succeeded
//        (synthesize job)   (selftrain job)  (trial jobs, select)  (trial jobs, report)  (promote job)
//   any job failing for good ─► failed;  cancelRun ─► failed (error 'cancelled', its open jobs cancelled)
//
// Each step is a job with a deterministic key (`run:<id>:<step>`) and subject `run:<id>`. The orchestrator learns
// of completions by reading the run's `job.succeeded` / `job.failed` events after the cursor stored in the run row,
// and applies them, advances the state and enqueues the next jobs in one transaction with the new cursor. The
// decision of what to run next is a pure function of the rows (planSelection over the trials' FIDs), so after a crash
// a restart re-reads the log from the cursor and arrives at the same decisions; enqueueing a key again is a no-op
// and trial rows are unique per (run, key), so nothing is done twice.
import { and, asc, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Database, Db } from '../../shared/db/database.ts';
import { jobs, runs, trials, type RunRow, type TrialRow } from '../../shared/db/schema.ts';
import { appendEvent, lastEventId, readEvents, type NeonEvent } from '../../shared/events/event-log.ts';
import { waitForEvents } from '../../shared/events/subscribe.ts';
import { cancelJob, enqueueJob } from '../../shared/jobs/job-queue.ts';
import { canonicalJson, resolveModel, parseModelRef } from '../../shared/registry/registry.ts';
import { parseManifest, type Manifest } from '../../shared/models/manifest.ts';
import {
  guidanceGrid,
  resolveRunConfig,
  rungCounts,
  seedBounds,
  snapshotSteps,
  type PresetName,
  type RunConfig,
} from '../../shared/neon/run-config.ts';
import { pointKey, type ScoredPoint, type SweepGrid, type SweepPoint } from '../../shared/neon/sweep.ts';
import {
  planSelection,
  selectionKey,
  type Fidelity,
  type SelectionTrial,
  type TrialScore,
} from '../../shared/neon/multi-fidelity.ts';
import {
  factsOf,
  FINAL_RUN_STATES,
  getRun,
  isRunId,
  jobKey,
  JOB_TYPES,
  runConfigOf,
  runSubject,
  stepOfJobKey,
  type RunFacts,
  type RunState,
  type RunSummary,
} from './run-records.ts';
import type { z } from 'zod';
import type { PromoteJobPayload, SelfTrainJobPayload, SynthesizeJobPayload, TrialJobPayload } from './job-payloads.ts';

export class RunError extends Error {
  override name = 'RunError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export interface CreateRunInput {
  model: string;
  preset?: PresetName;
  /** Overrides merged into the preset. */
  config?: unknown;
  /** A run id (letters, digits, '-'); default: a fresh one. The same id with the same config is the same run. */
  id?: string;
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The model's defaults where the config leaves gaps: every snapshot; as the guidance grid, the grid around the
 * model's guidance scale when guidance lines may extend (cfg_extend > 0, as in every preset), else that scale alone.
 */
export function withModelDefaults(config: RunConfig, manifest: Manifest): RunConfig {
  const cfg = manifest.sampler.guidance_scale ?? 1;
  return {
    ...config,
    sweep: {
      ...config.sweep,
      cfg_grid: config.sweep.cfg_grid ?? (config.sweep.cfg_extend > 0 ? guidanceGrid(cfg) : [cfg]),
      snapshots: config.sweep.snapshots ?? snapshotSteps(config.selftrain.steps, config.selftrain.snapshot_every),
    },
  };
}

/** Creates a run (idempotent on its id when the config is the same); the orchestrator loop then advances it. */
export async function createRun(db: Db, input: CreateRunInput): Promise<{ run: RunRow; created: boolean }> {
  const id = input.id ?? newRunId();
  if (!isRunId(id)) throw new RunError('run id must be lower-case letters, digits and "-" (at most 48)', 400, 'id');
  try {
    parseModelRef(input.model);
  } catch (err) {
    throw new RunError((err as Error).message, 400, 'model');
  }
  const resolved = await resolveModel(db, input.model);
  if (!resolved) throw new RunError(`no model '${input.model}' in the registry`, 404, 'model');
  const manifest = parseManifest(resolved.version.manifest, input.model);
  const preset = input.preset ?? 'default';
  let config: RunConfig;
  try {
    config = withModelDefaults(resolveRunConfig(preset, input.config), manifest);
  } catch (err) {
    throw new RunError(
      (err as Error).message,
      400,
      (err as { path?: string }).path ? `config.${(err as { path: string }).path}` : 'config',
    );
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(runs)
      .values({
        id,
        model: resolved.model.name,
        baseVersionId: resolved.version.id,
        preset,
        config: config as unknown as Record<string, unknown>,
        state: 'pending',
        result: {},
      })
      .onConflictDoNothing({ target: runs.id })
      .returning();
    if (!row) {
      const existing = (await getRun(tx, id))!;
      if (canonicalJson(existing.config) !== canonicalJson(config) || existing.baseVersionId !== resolved.version.id) {
        throw new RunError(`run '${id}' already exists with another model or config`, 409, 'id');
      }
      return { run: existing, created: false };
    }
    await appendEvent(tx, {
      type: 'neon.run.created',
      subject: runSubject(id),
      payload: { run_id: id, model: row.model, base_version_id: row.baseVersionId, preset, config },
    });
    return { run: row, created: true };
  });
}

export function sweepGrid(config: RunConfig): SweepGrid {
  return {
    snapshots: config.sweep.snapshots!,
    wGrid: config.sweep.w_grid,
    cfgGrid: config.sweep.cfg_grid!,
    tolerance: config.sweep.tolerance,
    toleranceRel: config.sweep.tolerance_rel,
    cfgExtend: config.sweep.cfg_extend,
    refineStep: config.sweep.refine_step,
  };
}

/** The run's multi-fidelity rungs, or null when every trial uses the full selection count. */
export function sweepFidelity(config: RunConfig): Fidelity | null {
  const f = config.sweep.fidelity;
  return f
    ? { rungs: rungCounts(config.selection.seeds.count, f.rungs), z: f.z, maxContenders: f.max_contenders }
    : null;
}

/** The selection procedure of a run over its trial rows (what `decide` runs, for tests and tools). */
export function planRunSelection(config: RunConfig, rows: readonly TrialRow[]) {
  return planSelection(sweepGrid(config), config.selection.seeds.count, sweepFidelity(config), selectResults(rows));
}

/** A selection trial's key carries its sample count under multi-fidelity selection (`select:n625:base:c1.5`). */
function trialKey(phase: 'select' | 'report', p: SweepPoint, n: number, fidelity: Fidelity | null): string {
  return phase === 'select' ? `select:${selectionKey(p, n, fidelity)}` : `report:${pointKey(p)}`;
}

async function runTrials(db: Db, runId: string): Promise<TrialRow[]> {
  return db.select().from(trials).where(eq(trials.runId, runId)).orderBy(asc(trials.id));
}

/** Selection trials' scores by key (without the phase): FID, and the halves' FIDs where measured. */
function selectResults(rows: readonly TrialRow[]): Map<string, TrialScore> {
  const m = new Map<string, TrialScore>();
  for (const t of rows) {
    if (t.phase !== 'select' || t.state !== 'done' || t.fidSelect === null) continue;
    const halves = (t.result as { fid_halves?: [number, number] } | null)?.fid_halves;
    m.set(t.key.slice('select:'.length), halves ? { fid: t.fidSelect, halves } : { fid: t.fidSelect });
  }
  return m;
}

function resultsOf(rows: readonly TrialRow[], phase: 'select' | 'report'): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of rows) {
    if (t.phase !== phase || t.state !== 'done') continue;
    const fid = phase === 'select' ? t.fidSelect : t.fidReport;
    if (fid !== null) m.set(t.key.slice(phase.length + 1), fid);
  }
  return m;
}

/**
 * Inserts the trial row (unique per run and key) and enqueues its job (unique per key): both no-ops when present.
 * A selection trial on the first n seeds; under multi-fidelity selection, the lowest rung also measures its halves,
 * and a higher rung reuses the feature statistics of the same point's trial one rung below.
 */
async function ensureTrial(
  tx: Db,
  run: RunRow,
  phase: 'select' | 'report',
  p: SelectionTrial | SweepPoint,
  facts: RunFacts,
  config: RunConfig,
  rows: readonly TrialRow[],
): Promise<void> {
  const fidelity = sweepFidelity(config);
  const n =
    phase === 'select' && 'n' in p
      ? p.n
      : phase === 'select'
        ? config.selection.seeds.count
        : config.report.seeds.count;
  const key = trialKey(phase, p, n, fidelity);
  const snapshot = p.snapshot === null ? null : facts.snapshots!.find((s) => s.step === p.snapshot);
  if (p.snapshot !== null && !snapshot) throw new Error(`run ${run.id}: no snapshot ${p.snapshot}`);
  const seeds = phase === 'select' ? { first: config.selection.seeds.first, count: n } : config.report.seeds;
  const rungs = fidelity ? [...fidelity.rungs, config.selection.seeds.count] : [];
  const rung = phase === 'select' ? rungs.indexOf(n) : -1;
  let reuse: { first: number; count: number; stats: string }[] = [];
  if (rung > 0) {
    const below = rows.find((t) => t.key === trialKey('select', p, rungs[rung - 1], fidelity) && t.state === 'done');
    reuse = ((below?.result as { chunks?: typeof reuse } | null)?.chunks ?? []).map((c) => ({
      first: c.first,
      count: c.count,
      stats: c.stats,
    }));
  }
  const { job } = await enqueueJob(tx, {
    type: JOB_TYPES.trial,
    key: jobKey(run.id, `trial:${key}`),
    subject: runSubject(run.id),
    payload: {
      run_id: run.id,
      trial_key: key,
      phase,
      snapshot: snapshot ?? null,
      w: p.w,
      cfg: p.cfg,
      seeds,
      halves: rung === 0,
      reuse,
    } satisfies z.input<typeof TrialJobPayload>,
  });
  await tx
    .insert(trials)
    .values({ runId: run.id, key, phase, snapshot: p.snapshot, w: p.w, cfg: p.cfg, state: 'running', jobId: job.id })
    .onConflictDoNothing({ target: [trials.runId, trials.key] });
}

/** Applies one job event of the run to its rows (inside the caller's transaction). */
async function applyEvent(tx: Db, run: RunRow, facts: RunFacts, e: NeonEvent): Promise<{ failed?: string }> {
  const p = e.payload as { key?: string; result?: Record<string, unknown>; error?: string };
  const step = stepOfJobKey(run.id, p.key);
  if (step === undefined) return {};
  if (e.type === 'job.failed') return { failed: `${step}: ${p.error ?? 'failed'}` };
  const r = p.result ?? {};
  if (step === 'synthesize') {
    facts.sample_set = String(r.sample_set);
    facts.synthesis = { n: Number(r.n), seconds: Number(r.seconds) };
  } else if (step === 'selftrain') {
    facts.snapshots = r.snapshots as RunFacts['snapshots'];
    facts.selftrain = { selftrain_ratio: (r.selftrain_ratio as number | null) ?? null, seconds: Number(r.seconds) };
  } else if (step === 'promote') {
    facts.promoted = r as unknown as RunFacts['promoted'];
  } else if (step.startsWith('trial:')) {
    const key = step.slice('trial:'.length);
    const phase = key.startsWith('report:') ? 'report' : 'select';
    const fid = Number(r.fid);
    const [row] = await tx
      .update(trials)
      .set({
        state: 'done',
        ...(phase === 'select' ? { fidSelect: fid } : { fidReport: fid }),
        result: r,
        updatedAt: sql`now()`,
      })
      .where(and(eq(trials.runId, run.id), eq(trials.key, key), eq(trials.state, 'running')))
      .returning();
    if (row) {
      await appendEvent(tx, {
        type: 'neon.trial.done',
        subject: runSubject(run.id),
        payload: { run_id: run.id, key, phase, snapshot: row.snapshot, w: row.w, cfg: row.cfg, fid },
      });
    }
  }
  return {};
}

function summarize(run: RunRow, config: RunConfig, facts: RunFacts, rows: readonly TrialRow[]): RunSummary {
  const sweep = facts.sweep!;
  const report = resultsOf(rows, 'report');
  const fidReport = (p: ScoredPoint) => report.get(pointKey(p))!;
  const select = rows.filter((t) => t.phase === 'select' && t.state === 'done');
  const nOf = (t: TrialRow) => Number((t.result as { n?: number } | null)?.n ?? config.selection.seeds.count);
  return {
    run_id: run.id,
    model: run.model,
    base: { cfg: sweep.base.cfg, fid_select: sweep.base.fid, fid_report: fidReport(sweep.base) },
    best: {
      snapshot: sweep.best.snapshot,
      w: sweep.best.w,
      cfg: sweep.best.cfg,
      fid_select: sweep.best.fid,
      fid_report: fidReport(sweep.best),
    },
    promoted: facts.promoted?.ref ?? null,
    trials: select.map((t) => ({ snapshot: t.snapshot, w: t.w!, cfg: t.cfg!, n: nOf(t), fid_select: t.fidSelect! })),
    seeds: { select: seedBounds(config.selection.seeds), report: seedBounds(config.report.seeds) },
    compute: { selftrain_ratio: facts.selftrain?.selftrain_ratio ?? null },
  };
}

/** Decides the run's next state from its rows and enqueues what that state needs (idempotently). */
async function decide(
  tx: Db,
  run: RunRow,
  facts: RunFacts,
  config: RunConfig,
): Promise<{ state: RunState; error?: string }> {
  let state = run.state as RunState;
  const subject = runSubject(run.id);
  for (let guard = 0; guard < 10; guard++) {
    const before = state;
    if (state === 'pending') {
      await enqueueJob(tx, {
        type: JOB_TYPES.synthesize,
        key: jobKey(run.id, 'synthesize'),
        subject,
        payload: { run_id: run.id } satisfies z.input<typeof SynthesizeJobPayload>,
      });
      state = 'synthesizing';
    } else if (state === 'synthesizing' && facts.sample_set) {
      await enqueueJob(tx, {
        type: JOB_TYPES.selftrain,
        key: jobKey(run.id, 'selftrain'),
        subject,
        payload: { run_id: run.id, sample_set: facts.sample_set } satisfies z.input<typeof SelfTrainJobPayload>,
      });
      state = 'self-training';
    } else if (state === 'self-training' && facts.snapshots) {
      state = 'sweeping';
    } else if (state === 'sweeping') {
      const rows = await runTrials(tx, run.id);
      const plan = planRunSelection(config, rows);
      if (!plan.done) {
        for (const p of plan.pending) await ensureTrial(tx, run, 'select', p, facts, config, rows);
      } else {
        facts.sweep = { best: plan.best!, base: plan.base!, frozen: plan.frozen!, trials: plan.visited.length };
        state = 'reporting';
      }
    } else if (state === 'reporting') {
      const { best, base } = facts.sweep!;
      const rows = await runTrials(tx, run.id);
      const report = resultsOf(rows, 'report');
      const missing = [best, base].filter((p) => !report.has(pointKey(p)));
      for (const p of missing) await ensureTrial(tx, run, 'report', p, facts, config, rows);
      if (missing.length === 0) {
        const b = facts.sweep!.best;
        // w = 0 is θr itself: no improvement, nothing to promote unless the config asks for it anyway
        if (config.promote === 'always' || (config.promote && b.w !== 0)) {
          const snapshot = b.snapshot === null ? null : facts.snapshots!.find((s) => s.step === b.snapshot)!;
          await enqueueJob(tx, {
            type: JOB_TYPES.promote,
            key: jobKey(run.id, 'promote'),
            subject,
            payload: { run_id: run.id, snapshot, w: b.w, cfg: b.cfg } satisfies z.input<typeof PromoteJobPayload>,
          });
          state = 'promoting';
        } else {
          facts.promoted = null;
          state = 'succeeded';
        }
      }
    } else if (state === 'promoting' && facts.promoted !== undefined) {
      state = 'succeeded';
    }
    if (state === 'succeeded' && !facts.summary)
      facts.summary = summarize(run, config, facts, await runTrials(tx, run.id));
    if (state === before) break;
  }
  return { state };
}

export interface AdvanceResult {
  state: string;
  /** Job events applied in this call. */
  applied: number;
}

/**
 * Applies the run's new job events and advances it, one transaction per batch of events, until nothing changes.
 * Safe to call at any time, from any number of processes (the run row is locked while it is advanced).
 */
export async function advanceRun(db: Db, runId: string): Promise<AdvanceResult> {
  let applied = 0;
  for (let round = 0; round < 1000; round++) {
    const outcome = await db.transaction(async (tx) => {
      const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
      if (!run) throw new RunError(`no run '${runId}'`, 404, 'id');
      if (FINAL_RUN_STATES.includes(run.state)) return { state: run.state, changed: false, n: 0 };
      const config = runConfigOf(run);
      const facts = structuredClone(factsOf(run));
      const batch = await readEvents(tx, {
        after: run.eventCursor,
        subject: runSubject(runId),
        types: ['job.succeeded', 'job.failed'],
        limit: 200,
      });
      let failure: string | undefined;
      for (const e of batch) {
        const r = await applyEvent(tx, run, facts, e);
        if (r.failed && !failure) failure = r.failed;
      }
      const cursor = batch.length > 0 ? batch[batch.length - 1].id : run.eventCursor;
      const next = failure ? { state: 'failed' as RunState } : await decide(tx, run, facts, config);
      const changed = next.state !== run.state || batch.length > 0;
      if (changed) {
        await tx
          .update(runs)
          .set({
            state: next.state,
            result: facts as Record<string, unknown>,
            eventCursor: cursor,
            error: failure ?? null,
            updatedAt: sql`now()`,
          })
          .where(eq(runs.id, runId));
      }
      if (next.state !== run.state) {
        const subject = runSubject(runId);
        if (next.state === 'succeeded')
          await appendEvent(tx, {
            type: 'neon.run.succeeded',
            subject,
            payload: { run_id: runId, from: run.state, result: facts.summary },
          });
        else if (next.state === 'failed')
          await appendEvent(tx, {
            type: 'neon.run.failed',
            subject,
            payload: { run_id: runId, from: run.state, error: failure },
          });
        else
          await appendEvent(tx, {
            type: 'neon.run.phase',
            subject,
            payload: { run_id: runId, from: run.state, to: next.state },
          });
      }
      return { state: next.state, changed, n: batch.length };
    });
    applied += outcome.n;
    if (!outcome.changed) return { state: outcome.state, applied };
  }
  throw new Error(`run ${runId}: did not settle`);
}

/**
 * Cancels a run that has not finished: it fails with the error 'cancelled' (event neon.run.failed, `cancelled:
 * true`) and its queued and running jobs are cancelled (a running handler stops at its next heartbeat). A failed run
 * is returned as it is; a succeeded one is a 409.
 */
export async function cancelRun(db: Db, runId: string): Promise<RunRow> {
  if (!isRunId(runId)) throw new RunError(`no run '${runId.slice(0, 100)}'`, 404, 'id');
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
    if (!run) throw new RunError(`no run '${runId}'`, 404, 'id');
    if (run.state === 'succeeded') throw new RunError(`run '${runId}' has already succeeded`, 409, 'id');
    if (run.state === 'failed') return run;
    const open = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.subject, runSubject(runId)), inArray(jobs.state, ['queued', 'running'])));
    for (const j of open) await cancelJob(tx, j.id, 'run cancelled');
    const [row] = await tx
      .update(runs)
      .set({ state: 'failed', error: 'cancelled', updatedAt: sql`now()` })
      .where(eq(runs.id, runId))
      .returning();
    await appendEvent(tx, {
      type: 'neon.run.failed',
      subject: runSubject(runId),
      payload: { run_id: runId, from: run.state, error: 'cancelled', cancelled: true },
    });
    return row;
  });
}

export async function activeRunIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(notInArray(runs.state, [...FINAL_RUN_STATES]))
    .orderBy(asc(runs.createdAt));
  return rows.map((r) => r.id);
}

export async function listRuns(db: Db, limit = 100): Promise<RunRow[]> {
  return db.select().from(runs).orderBy(desc(runs.createdAt)).limit(limit);
}

export interface OrchestratorLoopOptions {
  database: Database;
  signal: AbortSignal;
  /** Re-read at least this often without a notification (default 1000 ms). */
  pollMs?: number;
  onError?: (err: unknown, runId?: string) => void;
  /** Called after a run has been advanced (for progress displays). */
  onAdvance?: (runId: string, r: AdvanceResult) => void;
}

/** Advances every active run whenever its log grows, until the signal aborts. */
export async function runOrchestrator(opts: OrchestratorLoopOptions): Promise<void> {
  const { database, signal } = opts;
  const db = database.db;
  const onError =
    opts.onError ??
    ((err, runId) =>
      console.error(
        `orchestrator${runId ? ` run ${runId}` : ''}: ${err instanceof Error ? err.message : String(err)}`,
      ));
  while (!signal.aborted) {
    let cursor = 0;
    try {
      cursor = await lastEventId(db, { subjectPrefix: 'run:' });
      for (const id of await activeRunIds(db)) {
        if (signal.aborted) break;
        try {
          const r = await advanceRun(db, id);
          opts.onAdvance?.(id, r);
        } catch (err) {
          onError(err, id);
        }
      }
    } catch (err) {
      onError(err);
    }
    if (signal.aborted) break;
    try {
      await waitForEvents(database, {
        after: cursor,
        subjectPrefix: 'run:',
        types: ['job.succeeded', 'job.failed', 'neon.run.created'],
        limit: 1,
        timeoutMs: opts.pollMs ?? 1000,
        pollMs: opts.pollMs ?? 1000,
        signal,
      });
    } catch (err) {
      onError(err);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  }
}
