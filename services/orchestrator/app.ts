// The orchestrator service: Neon runs over HTTP. Creating a run only records it (and its first event); the
// orchestrator loop and the job workers (startNeon, workers.ts) advance it, in this process or another.
//   POST /v1/neon/runs              {"model", "preset"?, "config"?, "id"?}   → 201 the run (200 if it existed)
//   GET  /v1/neon/runs              the latest runs
//   GET  /v1/neon/runs/{id}         the run, its trials and (when done) its result
//   POST /v1/neon/runs/{id}/cancel  cancels a run that has not finished (it fails with error 'cancelled')
//   GET  /v1/neon/runs/{id}/events  server-sent events of the run (Last-Event-ID resumes), ending with its outcome
// Health and the bearer-token middleware (NEON_API_TOKENS) are the composition root's (services/compose-app.ts);
// services/orchestrator/mount.ts mounts this app with the console and the workers.
import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../shared/db/database.ts';
import { trials, type RunRow } from '../../shared/db/schema.ts';
import { ApiError, fromZod, jsonBody, onApiError } from '../../shared/http/errors.ts';
import { streamEvents } from '../../shared/events/sse.ts';
import { PRESETS } from '../../shared/neon/run-config.ts';
import { cancelRun, createRun, listRuns, RunError } from './orchestrator.ts';
import { getRun, orderedSummary, runSubject, type RunFacts } from './run-records.ts';
import { documented } from '../../shared/http/route-docs.ts';
import * as docs from './api-docs.ts';

export interface OrchestratorDeps {
  database: Database;
  /** SSE re-read period (default 1000 ms). */
  pollMs?: number;
}

export const CreateRunBody = z
  .object({
    model: z.string().min(1).max(200),
    preset: z.enum(PRESETS).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    id: z.string().min(1).max(48).optional(),
  })
  .strict();

function runJson(run: RunRow) {
  const facts = (run.result ?? {}) as RunFacts;
  return {
    id: run.id,
    object: 'neon.run',
    model: run.model,
    base_version_id: run.baseVersionId,
    preset: run.preset,
    state: run.state,
    config: run.config,
    error: run.error,
    result: facts.summary ? orderedSummary(facts.summary) : null,
    artifacts: { sample_set: facts.sample_set ?? null, snapshots: facts.snapshots ?? [] },
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
  };
}

export function createOrchestratorApp(deps: OrchestratorDeps): Hono {
  const { database } = deps;
  const db = database.db;
  const app = new Hono();
  app.onError(onApiError);

  app.post('/v1/neon/runs', documented(docs.createRunDoc(CreateRunBody)), async (c) => {
    const parsed = CreateRunBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw fromZod(parsed.error);
    try {
      const { run, created } = await createRun(db, parsed.data);
      return c.json(runJson(run), created ? 201 : 200);
    } catch (err) {
      if (err instanceof RunError)
        throw new ApiError(
          err.status,
          err.message,
          err.param,
          err.status === 404 ? 'model_not_found' : err.status === 409 ? 'conflict' : 'invalid_value',
        );
      throw err;
    }
  });

  app.get('/v1/neon/runs', documented(docs.listRunsDoc), async (c) => {
    const limit = Math.min(Math.max(1, Number(c.req.query('limit') ?? 100) || 100), 1000);
    return c.json({ object: 'list', data: (await listRuns(db, limit)).map(runJson) });
  });

  async function mustGet(id: string): Promise<RunRow> {
    const run = await getRun(db, id);
    if (!run) throw new ApiError(404, `no run '${id.slice(0, 100)}'`, 'id', 'not_found');
    return run;
  }

  app.get('/v1/neon/runs/:id', documented(docs.getRunDoc), async (c) => {
    const run = await mustGet(c.req.param('id'));
    const rows = await db.select().from(trials).where(eq(trials.runId, run.id)).orderBy(asc(trials.id));
    return c.json({
      ...runJson(run),
      trials: rows.map((t) => {
        const r = (t.result ?? {}) as { n?: number; sampled?: number; fid_halves?: [number, number] };
        return {
          key: t.key,
          phase: t.phase,
          snapshot: t.snapshot,
          w: t.w,
          cfg: t.cfg,
          state: t.state,
          fid_select: t.fidSelect,
          fid_report: t.fidReport,
          n: r.n ?? null,
          sampled: r.sampled ?? null,
          fid_halves: r.fid_halves ?? null,
        };
      }),
    });
  });

  app.post('/v1/neon/runs/:id/cancel', documented(docs.cancelRunDoc), async (c) => {
    try {
      return c.json(runJson(await cancelRun(db, c.req.param('id'))));
    } catch (err) {
      if (err instanceof RunError)
        throw new ApiError(err.status, err.message, err.param, err.status === 404 ? 'not_found' : 'conflict');
      throw err;
    }
  });

  app.get('/v1/neon/runs/:id/events', documented(docs.runEventsDoc), async (c) => {
    const run = await mustGet(c.req.param('id'));
    return streamEvents(c, database, {
      filter: { subject: runSubject(run.id) },
      pollMs: deps.pollMs,
      until: (e) => e.type === 'neon.run.succeeded' || e.type === 'neon.run.failed',
    });
  });

  return app;
}
