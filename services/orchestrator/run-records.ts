// The run's rows as the orchestrator reads and writes them: the stored config, the facts gathered so far
// (`runs.result`), job keys and trial keys, and the base model a run was made from.
import { eq } from 'drizzle-orm';
import type { Db } from '../../shared/db/database.ts';
import { runs, type RunRow } from '../../shared/db/schema.ts';
import { getModelVersion } from '../../shared/registry/registry.ts';
import { parseManifest } from '../../shared/models/manifest.ts';
import { runConfigSchema, type RunConfig } from '../../shared/neon/run-config.ts';
import type { ScoredPoint } from '../../shared/neon/sweep.ts';
import type { BaseModel } from './steps.ts';

export const RUN_STATES = [
  'pending',
  'synthesizing',
  'self-training',
  'sweeping',
  'reporting',
  'promoting',
  'succeeded',
  'failed',
] as const;
export type RunState = (typeof RUN_STATES)[number];
export const FINAL_RUN_STATES: readonly string[] = ['succeeded', 'failed'];

export const JOB_TYPES = {
  synthesize: 'neon.synthesize',
  selftrain: 'neon.selftrain',
  trial: 'neon.trial',
  promote: 'neon.promote',
} as const;

/** What the orchestrator has learned about a run so far (runs.result). */
export interface RunFacts {
  sample_set?: string;
  synthesis?: { n: number; seconds: number };
  snapshots?: { step: number; artifact: string }[];
  selftrain?: { selftrain_ratio: number | null; seconds: number };
  sweep?: { best: ScoredPoint; base: ScoredPoint; frozen: ScoredPoint; trials: number };
  promoted?: { ref: string; version_id: number; artifact: string; alias: string } | null;
  summary?: RunSummary;
}

/** The run's outcome, as `neon run --json` prints it. */
export interface RunSummary {
  run_id: string;
  model: string;
  /** precision/recall (Kynkäänniemi et al.) on the report seeds, where a run measures them. */
  base: { cfg: number; fid_select: number; fid_report: number } & PrecisionRecall;
  best: { snapshot: number | null; w: number; cfg: number; fid_select: number; fid_report: number } & PrecisionRecall;
  promoted: string | null;
  /** Selection trials; n: the selection seeds the trial used (below the full count on multi-fidelity's low rungs). */
  trials: { snapshot: number | null; w: number; cfg: number; n: number; fid_select: number }[];
  seeds: { select: [number, number]; report: [number, number] };
  compute: { selftrain_ratio: number | null };
}

export function runSubject(runId: string): string {
  return `run:${runId}`;
}

export function jobKey(runId: string, step: 'synthesize' | 'selftrain' | 'promote' | `trial:${string}`): string {
  return `run:${runId}:${step}`;
}

/** The step a job key names, for a key of this run (`synthesize`, `trial:select:base:c1`, ...). */
export function stepOfJobKey(runId: string, key: string | null | undefined): string | undefined {
  const prefix = `run:${runId}:`;
  return key?.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

export function runConfigOf(row: RunRow): RunConfig {
  return runConfigSchema.parse(row.config);
}

export function factsOf(row: RunRow): RunFacts {
  return (row.result ?? {}) as RunFacts;
}

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** Whether `id` can name a run: lower-case letters, digits and '-', at most 48 (anything else names none). */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** The run named `id`; undefined for none, and for an id that cannot name one (it never reaches the database). */
export async function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  if (!isRunId(id)) return undefined;
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row;
}

/** The base model θr of a run, from the registry. */
export async function baseModelOf(db: Db, row: RunRow): Promise<BaseModel> {
  if (row.baseVersionId === null) throw new Error(`run ${row.id} has no base version`);
  const v = await getModelVersion(db, row.baseVersionId);
  if (!v) throw new Error(`run ${row.id}: base version ${row.baseVersionId} is gone`);
  return {
    model: row.model,
    versionId: v.id,
    artifactId: v.artifactId,
    manifest: parseManifest(v.manifest, `${row.model}@${v.tag}`),
  };
}

export interface PrecisionRecall {
  precision?: number;
  recall?: number;
}

/** precision and recall of a point, when it has them. */
function precisionRecall(p: PrecisionRecall): PrecisionRecall {
  return {
    ...(typeof p.precision === 'number' ? { precision: p.precision } : {}),
    ...(typeof p.recall === 'number' ? { recall: p.recall } : {}),
  };
}

/** The summary with its keys in the documented order (jsonb storage does not keep key order). */
export function orderedSummary(s: RunSummary): RunSummary {
  return {
    run_id: s.run_id,
    model: s.model,
    base: { cfg: s.base.cfg, fid_select: s.base.fid_select, fid_report: s.base.fid_report, ...precisionRecall(s.base) },
    best: {
      snapshot: s.best.snapshot,
      w: s.best.w,
      cfg: s.best.cfg,
      fid_select: s.best.fid_select,
      fid_report: s.best.fid_report,
      ...precisionRecall(s.best),
    },
    promoted: s.promoted,
    trials: s.trials.map((t) => ({ snapshot: t.snapshot, w: t.w, cfg: t.cfg, n: t.n, fid_select: t.fid_select })),
    seeds: { select: s.seeds.select, report: s.seeds.report },
    compute: { selftrain_ratio: s.compute.selftrain_ratio },
  };
}
