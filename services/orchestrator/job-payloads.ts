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
});
export const PromoteJobPayload = z.object({ run_id: z.string().min(1), snapshot: snapshotRef, w: z.number(), cfg: z.number() });

/** The payload parsed by `schema`, or a permanent job failure naming the field. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown, job: string): z.output<S> {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new PermanentJobError(`${job} payload: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
