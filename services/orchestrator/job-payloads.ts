// The payloads of a Neon run's jobs, as zod schemas: the orchestrator enqueues them (typed by the schemas' input)
// and the handlers parse them (a payload that does not parse fails the job permanently, naming the field).
import { z } from 'zod';
import { PermanentJobError } from '../../shared/jobs/job-queue.ts';
import { seedRangeSchema } from '../../shared/neon/run-config.ts';

const snapshotRef = z.object({ step: z.number().int().positive(), artifact: z.string().min(1) }).nullable();

export const SynthesizeJobPayload = z.object({ run_id: z.string().min(1) });
export const SelfTrainJobPayload = z.object({ run_id: z.string().min(1), sample_set: z.string().min(1) });
export const TrialJobPayload = z.object({
  run_id: z.string().min(1),
  trial_key: z.string().min(1),
  phase: z.enum(['select', 'report']),
  snapshot: snapshotRef,
  w: z.number(),
  cfg: z.number(),
  seeds: seedRangeSchema,
  /** Also measure the FID of each half of the seeds (multi-fidelity's lowest rung). */
  halves: z.boolean().default(false),
  /** Feature statistics already measured on the first seeds of the range (a lower rung of the same point). */
  reuse: z
    .array(
      z.object({
        first: z.number().int().min(0),
        count: z.number().int().positive(),
        stats: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .max(64)
    .default([]),
});
export const PromoteJobPayload = z.object({
  run_id: z.string().min(1),
  snapshot: snapshotRef,
  w: z.number(),
  cfg: z.number(),
});

/** The payload parsed by `schema`, or a permanent job failure naming the field. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown, job: string): z.output<S> {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new PermanentJobError(`${job} payload: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
