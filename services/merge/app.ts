// The merge service: POST /v1/merges merges two checkpoints held in the artifact store (by artifact id or by a
// path inside the store) into one artifact per w, θneon(w) = (1+w)·θr − w·θs, each artifact's manifest recording
// the recipe. The merge itself is `mergeCheckpoints` (shared/merge). With a database, every merge is a `merge` job
// in the job queue (idempotent on the request and its inputs' content hashes), run by `mergeJobHandler` in a worker, and its artifacts are
// recorded in the registry; the route waits for it (small synchronous merges) unless `"wait": false`. Without a
// database (library use, tests) the merge runs in the request and the job is kept in memory.
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError, fromZod, jsonBody, onApiError } from '../../shared/http/errors.ts';
import {
  isArtifactId,
  sha256File,
  type ArtifactManifest,
  type ArtifactStore,
} from '../../shared/store/artifact-store.ts';
import { mergeCheckpoints } from '../../shared/merge/merge-checkpoints.ts';
import { MergeError } from '../../shared/merge/merge-error.ts';
import { isOnnxPath, openMergeInput, type InputFormat } from '../../shared/merge/merge-input.ts';
import { parseWRule, type WRule } from '../../shared/merge/w-rules.ts';
import { SafetensorsError } from '../../shared/safetensors/errors.ts';
import type { Database } from '../../shared/db/database.ts';
import { enqueueJob, getJob, PermanentJobError, type Job } from '../../shared/jobs/job-queue.ts';
import type { JobHandler } from '../../shared/jobs/worker.ts';
import { waitForJob } from '../../shared/jobs/wait-for-job.ts';
import { canonicalJson, recordArtifact } from '../../shared/registry/registry.ts';
import { createHash } from 'node:crypto';
import { documented } from '../../shared/http/route-docs.ts';
import * as docs from './api-docs.ts';

export interface MergeAppDeps {
  store: ArtifactStore;
  /** When given, merges run as recorded jobs (a worker of type MERGE_JOB must be running). */
  database?: Database;
  /** How long POST waits for a queued merge before answering 202 (default 10 minutes). */
  waitMs?: number;
}

export const MERGE_JOB = 'merge';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const MergeRequestBody = z
  .object({
    base: z.string().min(1),
    self: z.string().min(1),
    w: z.union([finite, z.array(finite).min(1).max(64)]),
    rules: z
      .array(
        z.union([
          z.string().min(3),
          z.object({
            pattern: z.string().min(1),
            w: z.union([finite, z.string().regex(/^[+-]?(\d+\.?\d*|\.\d+)?w$/i)]),
          }),
        ]),
      )
      .max(1000)
      .optional(),
    policies: z
      .object({
        on_missing: z.enum(['error', 'keep-base', 'skip']).optional(),
        on_mismatch: z.enum(['error', 'keep-base']).optional(),
      })
      .strict()
      .optional(),
    /** With a database: wait for the job to finish (default) or answer 202 at once. */
    wait: z.boolean().optional(),
  })
  .strict();

export type MergeRequestBody = z.infer<typeof MergeRequestBody>;

export interface MergeJob {
  id: string;
  kind: 'merge';
  status: 'succeeded' | 'failed';
  request: MergeRequestBody;
  created_at: string;
  finished_at: string;
  seconds: number;
  bytes_read: number;
  artifacts: { id: string; w: number; bytes: number }[];
}

interface ResolvedInput {
  path: string;
  format: InputFormat;
  label: string;
}

async function resolveInput(store: ArtifactStore, ref: string, field: 'base' | 'self'): Promise<ResolvedInput> {
  if (isArtifactId(ref)) {
    const m = await store.manifest(ref);
    if (!m) throw new ApiError(404, `${field}: no artifact '${ref}'`, field, 'not_found');
    if (m.kind !== 'safetensors' && m.kind !== 'onnx')
      throw new ApiError(
        400,
        `${field}: artifact '${ref}' is a '${m.kind}', not a safetensors or ONNX checkpoint`,
        field,
        'invalid_value',
      );
    return { path: store.pathOf(ref), format: m.kind, label: ref };
  }
  let path: string;
  try {
    path = store.resolveRef(ref);
  } catch (err) {
    throw new ApiError(400, `${field}: ${(err as Error).message}`, field, 'invalid_value');
  }
  if (!(await stat(path).catch(() => undefined)))
    throw new ApiError(404, `${field}: no file or folder '${ref}' in the artifact store`, field, 'not_found');
  return { path, format: isOnnxPath(path) ? 'onnx' : 'safetensors', label: ref };
}

/** The sha256 of each input's bytes (an artifact id is one already; a folder: each file under it, by name). */
async function inputHashes(store: ArtifactStore, body: MergeRequest): Promise<{ base: string; self: string }> {
  const hash = async (ref: string): Promise<string> => {
    if (isArtifactId(ref)) return ref;
    const path = store.resolveRef(ref);
    if (!(await stat(path)).isDirectory()) return sha256File(path);
    const h = createHash('sha256');
    const names = (await readdir(path, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => relative(path, join(e.parentPath, e.name)))
      .sort();
    for (const name of names) h.update(`${name}\0${await sha256File(join(path, name))}\0`);
    return h.digest('hex');
  };
  return { base: await hash(body.base), self: await hash(body.self) };
}

function toRules(raw: MergeRequestBody['rules']): WRule[] {
  return (raw ?? []).map((r, i) => {
    try {
      if (typeof r === 'string') return parseWRule(r);
      return parseWRule(`${r.pattern}=${typeof r.w === 'number' ? r.w : r.w}`);
    } catch (err) {
      throw new ApiError(400, `rules.${i}: ${(err as Error).message}`, `rules.${i}`, 'invalid_value');
    }
  });
}

type MergeRequest = Omit<MergeRequestBody, 'wait'>;

/** Validates a request against the store: inputs exist, are checkpoints of one format, and open. */
async function checkRequest(
  store: ArtifactStore,
  body: MergeRequest,
): Promise<{ base: ResolvedInput; self: ResolvedInput; ws: number[]; rules: WRule[] }> {
  const ws = Array.isArray(body.w) ? body.w : [body.w];
  if (new Set(ws).size !== ws.length) throw new ApiError(400, 'w: lists a value twice', 'w', 'invalid_value');
  const rules = toRules(body.rules);
  const base = await resolveInput(store, body.base, 'base');
  const self = await resolveInput(store, body.self, 'self');
  if (base.format !== self.format)
    throw new ApiError(400, `self: is ${self.format} but base is ${base.format}`, 'self', 'format_mismatch');
  // open each side first so that a broken file is reported against its field
  for (const [field, input] of [
    ['base', base],
    ['self', self],
  ] as const) {
    try {
      await (await openMergeInput(input.path, input.format)).close();
    } catch (err) {
      if (err instanceof SafetensorsError || err instanceof Error)
        throw new ApiError(400, `${field}: ${err.message}`, field, 'invalid_checkpoint');
      throw err;
    }
  }
  return { base, self, ws, rules };
}

/** Runs one merge request: one artifact per w, each manifest recording the recipe. */
async function runMerge(
  store: ArtifactStore,
  body: MergeRequest,
  onArtifact?: (m: ArtifactManifest) => Promise<void>,
): Promise<MergeJob> {
  const { base, self, ws, rules } = await checkRequest(store, body);
  const created = new Date();
  const ext = base.format === 'onnx' ? '.onnx' : '.safetensors';
  const outputs = await Promise.all(ws.map(() => store.tempPath(ext)));
  let result;
  try {
    result = await mergeCheckpoints({
      base: base.path,
      self: self.path,
      ws,
      outputs,
      rules,
      policies: { onMissing: body.policies?.on_missing, onMismatch: body.policies?.on_mismatch },
      formats: { base: base.format, self: self.format },
      labels: { base: base.label, self: self.label },
    });
  } catch (err) {
    if (err instanceof MergeError) throw new ApiError(400, err.message, null, err.code);
    if (err instanceof SafetensorsError) throw new ApiError(400, err.message, null, err.code);
    throw err;
  }
  const artifacts: MergeJob['artifacts'] = [];
  for (const o of result.outputs) {
    const m = await store.adopt(o.path, base.format, { merge: o.recipe, w: o.w });
    await onArtifact?.(m);
    artifacts.push({ id: m.id, w: o.w, bytes: m.bytes });
  }
  const finished = new Date();
  return {
    id: `merge_${randomUUID()}`,
    kind: 'merge',
    status: 'succeeded',
    request: body,
    created_at: created.toISOString(),
    finished_at: finished.toISOString(),
    seconds: (finished.getTime() - created.getTime()) / 1000,
    bytes_read: result.bytesRead,
    artifacts,
  };
}

/** The job queue's handler for MERGE_JOB: runs the merge and records its artifacts in the registry. */
export function mergeJobHandler(deps: { store: ArtifactStore; database: Database }): JobHandler {
  return async (job) => {
    const parsed = MergeRequestBody.safeParse((job.payload as { request?: unknown }).request);
    if (!parsed.success) throw new PermanentJobError(fromZod(parsed.error).message);
    try {
      const done = await runMerge(deps.store, parsed.data, async (m) => {
        await recordArtifact(deps.database.db, m);
      });
      return { artifacts: done.artifacts, bytes_read: done.bytes_read, seconds: done.seconds };
    } catch (err) {
      // bad inputs do not get better by retrying
      if (err instanceof ApiError && err.status < 500) throw new PermanentJobError(err.message);
      throw err;
    }
  };
}

interface JobView {
  id: string;
  kind: 'merge';
  status: string;
  request: unknown;
  created_at: string;
  finished_at: string | null;
  attempts: number;
  error: string | null;
  bytes_read?: number;
  seconds?: number;
  artifacts: MergeJob['artifacts'];
}

function jobView(job: Job): JobView {
  const result = (job.result ?? {}) as { artifacts?: MergeJob['artifacts']; bytes_read?: number; seconds?: number };
  const final = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
  return {
    id: String(job.id),
    kind: 'merge',
    status: job.state,
    request: (job.payload as { request?: unknown }).request,
    created_at: job.createdAt.toISOString(),
    finished_at: final ? job.updatedAt.toISOString() : null,
    attempts: job.attempts,
    error: job.error ?? null,
    bytes_read: result.bytes_read,
    seconds: result.seconds,
    artifacts: result.artifacts ?? [],
  };
}

export function createMergeApp(deps: MergeAppDeps): Hono {
  const { store } = deps;
  const jobs = new Map<string, MergeJob>();
  const app = new Hono();
  app.onError(onApiError);

  app.post('/v1/merges', documented(docs.createMergeDoc(MergeRequestBody)), async (c) => {
    const parsed = MergeRequestBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    // every input error is answered here, naming its field, before anything is queued
    await checkRequest(store, body);
    const { wait, ...request } = body;
    if (!deps.database) {
      const job = await runMerge(store, request);
      jobs.set(job.id, job);
      return c.json({ job, artifacts: job.artifacts }, 201);
    }
    // the job is the request over these very bytes: a replaced input (or a fixed one after a failure) is a new job
    const key = `merge:${createHash('sha256')
      .update(canonicalJson({ request, content: await inputHashes(store, request) }))
      .digest('hex')}`;
    const { job } = await enqueueJob(deps.database.db, { type: MERGE_JOB, key, payload: { request }, maxAttempts: 2 });
    const done =
      wait === false ? undefined : await waitForJob(deps.database, job.id, { timeoutMs: deps.waitMs ?? 600_000 });
    const view = jobView(done ?? (await getJob(deps.database.db, job.id))!);
    if (view.status === 'failed') throw new ApiError(400, view.error ?? 'merge failed', null, 'merge_failed');
    return c.json({ job: view, artifacts: view.artifacts }, view.status === 'succeeded' ? 201 : 202);
  });

  app.get('/v1/merges/:id', documented(docs.getMergeDoc), async (c) => {
    const id = c.req.param('id');
    if (deps.database) {
      const row = /^\d{1,15}$/.test(id) ? await getJob(deps.database.db, Number(id)) : undefined;
      if (!row || row.type !== MERGE_JOB)
        throw new ApiError(404, `no merge job '${id.slice(0, 100)}'`, 'id', 'not_found');
      const view = jobView(row);
      return c.json({ job: view, artifacts: view.artifacts });
    }
    const job = jobs.get(id);
    if (!job) throw new ApiError(404, `no merge job '${id.slice(0, 100)}'`, 'id', 'not_found');
    return c.json({ job, artifacts: job.artifacts });
  });

  return app;
}
