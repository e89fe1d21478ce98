// The job handlers of a Neon run (synthesize, self-train, trial, promote) on the job queue, and one starter that
// runs them with the orchestrator loop: what an all-in-one process (or `neon run`) mounts.
import type { Database } from '../../shared/db/database.ts';
import type { Manifest } from '../../shared/models/manifest.ts';
import type { ClaimedJob } from '../../shared/jobs/job-queue.ts';
import { PermanentJobError } from '../../shared/jobs/job-queue.ts';
import { runWorker, type JobContext } from '../../shared/jobs/worker.ts';
import { recordArtifact, registerModelVersion, setAlias } from '../../shared/registry/registry.ts';
import {
  parsePayload,
  PromoteJobPayload,
  SelfTrainJobPayload,
  SynthesizeJobPayload,
  TrialJobPayload,
} from './job-payloads.ts';
import { baseModelOf, getRun, JOB_TYPES, runConfigOf } from './run-records.ts';
import { runOrchestrator, type AdvanceResult } from './orchestrator.ts';
import type { NeonSteps, StepContext } from './steps.ts';

export interface NeonWorkerDeps {
  database: Database;
  steps: NeonSteps;
}

function stepContext(ctx: JobContext): StepContext {
  return { signal: ctx.signal, progress: (p) => ctx.progress(p) };
}

async function runOf(deps: NeonWorkerDeps, runId: string) {
  const run = await getRun(deps.database.db, runId);
  if (!run) throw new PermanentJobError(`no run '${runId}'`);
  return { run, config: runConfigOf(run), base: await baseModelOf(deps.database.db, run) };
}

/** The handler of each Neon job type. */
export function neonJobHandlers(
  deps: NeonWorkerDeps,
): Record<string, (job: ClaimedJob, ctx: JobContext) => Promise<Record<string, unknown>>> {
  const { steps } = deps;
  return {
    [JOB_TYPES.synthesize]: async (job, ctx) => {
      const p = parsePayload(SynthesizeJobPayload, job.payload, job.type);
      const { config, base } = await runOf(deps, p.run_id);
      return { ...(await steps.synthesize(base, config, stepContext(ctx))) };
    },
    [JOB_TYPES.selftrain]: async (job, ctx) => {
      const p = parsePayload(SelfTrainJobPayload, job.payload, job.type);
      const { config, base } = await runOf(deps, p.run_id);
      return { ...(await steps.selfTrain(base, config, p.sample_set, stepContext(ctx))) };
    },
    [JOB_TYPES.trial]: async (job, ctx) => {
      const p = parsePayload(TrialJobPayload, job.payload, job.type);
      const { config, base } = await runOf(deps, p.run_id);
      return {
        ...(await steps.trial(
          base,
          config,
          { snapshot: p.snapshot, w: p.w, cfg: p.cfg, seeds: p.seeds, halves: p.halves, reuse: p.reuse },
          stepContext(ctx),
        )),
      };
    },
    [JOB_TYPES.promote]: async (job, ctx) => {
      const p = parsePayload(PromoteJobPayload, job.payload, job.type);
      const { run, base } = await runOf(deps, p.run_id);
      const { artifact } = await steps.materialize(base, p.snapshot, p.w);
      await ctx.progress({ done: 1, total: 2, stage: 'merged' });
      const db = deps.database.db;
      await recordArtifact(db, artifact);
      const manifest: Manifest = {
        ...base.manifest,
        sampler: { ...base.manifest.sampler, guidance_scale: p.cfg },
        lineage: {
          ...base.manifest.lineage,
          base: base.artifactId,
          self_train: p.snapshot ? { snapshot: p.snapshot.artifact, step: p.snapshot.step } : undefined,
          w: p.w,
          run: run.id,
        },
      };
      const tag = `neon-${run.id}`;
      const { version } = await registerModelVersion(db, {
        model: base.model,
        tag,
        artifact: artifact.id,
        manifest,
        baseVersionId: base.versionId,
        snapshot: p.snapshot?.step,
        w: p.w,
        runId: run.id,
      });
      await setAlias(db, base.model, 'neon', version.id);
      await ctx.progress({ done: 2, total: 2, stage: 'registered' });
      return {
        ref: `${base.model}@${tag}`,
        version_id: version.id,
        artifact: artifact.id,
        alias: `${base.model}@neon`,
      };
    },
  };
}

export interface StartNeonOptions extends NeonWorkerDeps {
  signal: AbortSignal;
  /** Job lease (default 30 s): a crashed worker's job is claimed again after this long. */
  leaseMs?: number;
  pollMs?: number;
  /** Run the orchestrator loop here too (default true). */
  orchestrate?: boolean;
  onAdvance?: (runId: string, r: AdvanceResult) => void;
  onError?: (err: unknown) => void;
}

/** Starts the Neon job workers (one per type) and the orchestrator loop; resolves when the signal stops them all. */
export async function startNeon(opts: StartNeonOptions): Promise<void> {
  const handlers = neonJobHandlers(opts);
  const loops: Promise<void>[] = Object.entries(handlers).map(([type, handler]) =>
    runWorker({
      database: opts.database,
      type,
      handler,
      leaseMs: opts.leaseMs,
      pollMs: opts.pollMs,
      signal: opts.signal,
      onError: opts.onError,
    }),
  );
  if (opts.orchestrate ?? true)
    loops.push(
      runOrchestrator({
        database: opts.database,
        signal: opts.signal,
        pollMs: opts.pollMs,
        onAdvance: opts.onAdvance,
        onError: opts.onError,
      }),
    );
  await Promise.all(loops);
}
