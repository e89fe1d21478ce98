// The runs API as the OpenAPI document shows it (services/openapi-document.ts): the create body is the zod schema the
// route validates with (CreateRunBody); the run's JSON is described below.
import { z } from 'zod';
import type { RouteDoc } from '../../shared/http/route-docs.ts';
import { RUN_STATES } from './run-records.ts';

const tags = ['runs'];

const Point = z.object({
  snapshot: z.number().int().nullable(),
  w: z.number(),
  cfg: z.number(),
  fid_select: z.number(),
  fid_report: z.number(),
});
const Run = z.object({
  id: z.string(),
  object: z.literal('neon.run'),
  model: z.string(),
  base_version_id: z.number().int().nullable(),
  preset: z.string(),
  state: z.enum(RUN_STATES),
  config: z.record(z.string(), z.unknown()).describe('the resolved run configuration (docs/PIPELINE.md)'),
  error: z.string().nullable(),
  result: z
    .object({
      run_id: z.string(),
      model: z.string(),
      base: Point.omit({ snapshot: true, w: true }),
      best: Point,
      promoted: z
        .string()
        .nullable()
        .describe('the promoted version, or null (w = 0 chosen: no improvement; or promote false)'),
    })
    .passthrough()
    .nullable()
    .describe('the outcome, once the run succeeded'),
  artifacts: z.object({
    sample_set: z.string().nullable(),
    snapshots: z.array(z.object({ step: z.number().int(), artifact: z.string() })),
  }),
  created_at: z.string(),
  updated_at: z.string(),
});
const RunWithTrials = Run.extend({
  trials: z.array(
    z.object({
      key: z.string(),
      phase: z.string(),
      snapshot: z.number().int().nullable(),
      w: z.number().nullable(),
      cfg: z.number().nullable(),
      state: z.string(),
      fid_select: z.number().nullable(),
      fid_report: z.number().nullable(),
    }),
  ),
});

const noRun = 'no run with this id';

export function createRunDoc(body: z.ZodType): RouteDoc {
  return {
    tags,
    summary: 'Start a Neon run (or return the run with this id)',
    description:
      'Records the run and its first event; the orchestrator loop and the job workers advance it. `config` is deep-merged over the preset.',
    body,
    ok: {
      201: { description: 'the new run', schema: Run },
      200: { description: 'a run with this id already existed', schema: Run },
    },
    errors: {
      400: 'a field or a config value is invalid (param names it, e.g. config.sweep.w_grid)',
      401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong',
      404: 'no such model',
      409: 'a run with this id exists with another request',
    },
  };
}
export const listRunsDoc: RouteDoc = {
  tags,
  summary: 'The latest runs',
  query: {
    limit: { description: 'how many (1–1000, default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  },
  ok: { 200: { description: 'newest first', schema: z.object({ object: z.literal('list'), data: z.array(Run) }) } },
};
export const getRunDoc: RouteDoc = {
  tags,
  summary: 'A run, its trials and (when done) its result',
  ok: { 200: { description: 'the run', schema: RunWithTrials } },
  errors: { 404: noRun },
};
export const runEventsDoc: RouteDoc = {
  tags,
  summary: 'The run’s events as server-sent events',
  description: 'Every event of the run (phases, job progress, trials), then its outcome; Last-Event-ID resumes.',
  ok: { 200: { description: 'an event stream', mediaType: 'text/event-stream' } },
  errors: { 404: noRun },
};
export const cancelRunDoc: RouteDoc = {
  tags,
  summary: 'Cancel a run: its open jobs are cancelled and it ends as failed with error "cancelled"',
  ok: { 200: { description: 'the cancelled run', schema: Run } },
  errors: { 404: noRun, 409: 'the run has already succeeded' },
};
