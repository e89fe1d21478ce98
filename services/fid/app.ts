// The fid service: FID between two stored statistics, statistics upload/computation into the artifact store
// (health: services/compose-app.ts).
//   POST /v1/fid          {"a": REF, "b": REF}            → {"fid", "n_a", "n_b"}     REF: artifact id or store path
//   POST /v1/statistics   .npz bytes (application/octet-stream) → {"id", "d", "n"}
//   POST /v1/statistics   {"folder": PATH, "extractor"?, "batch_size"?, "shard"?: "i/N"} → {"id", "d", "n"}
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError, fromZod, jsonBody, onApiError } from '../../shared/http/errors.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { parseStats, StatsFileError } from '../../shared/metrics/stats-file.ts';
import type { LoadedStats } from '../../shared/metrics/stats-file.ts';
import { frechetDistance, FrechetInputError, ImaginaryComponentError } from '../../shared/metrics/frechet-distance.ts';
import { NotPositiveSemidefiniteError } from '../../shared/metrics/trace-sqrt-product.ts';
import { NpzError } from '../../shared/npz/npz.ts';
import { ImageSourceError } from '../../shared/image/png-folder.ts';
import { PngError } from '../../shared/image/png.ts';
import {
  resolveNamedExtractor,
  UnavailableError,
  UnknownExtractorError,
  DEFAULT_EXTRACTOR,
} from '../../shared/features/registry.ts';
import type { FeatureExtractor } from '../../shared/features/extractor.ts';
import { computeStatisticsArtifact, storeStatisticsBytes } from './statistics-artifact.ts';
import { documented } from '../../shared/http/route-docs.ts';
import * as docs from './api-docs.ts';

export interface FidDeps {
  store: ArtifactStore;
  /** resolves an extractor name or path (default: the registry) */
  extractor?: (spec: string) => Promise<FeatureExtractor>;
}

/** Shards of one folder at most (a shard holds one image at least). */
const MAX_SHARDS = 1_000_000;

const FidBody = z.object({ a: z.string().min(1), b: z.string().min(1) });
const ComputeBody = z.object({
  folder: z.string().min(1),
  extractor: z.string().min(1).optional(),
  batch_size: z.number().int().min(1).max(4096).optional(),
  shard: z
    .string()
    .max(20)
    .regex(/^\d+\/\d+$/, 'must be i/N')
    .optional(),
});

/** An input error as a 4xx; `store` takes the store's own location out of messages (paths relative to it). */
function inputError(err: unknown, param: string | null, store: ArtifactStore): never {
  const message = err instanceof Error ? store.relativize(err.message) : '';
  if (
    err instanceof StatsFileError ||
    err instanceof NpzError ||
    err instanceof ImageSourceError ||
    err instanceof PngError ||
    err instanceof FrechetInputError
  ) {
    throw new ApiError(400, message, param, 'invalid_statistics');
  }
  if (err instanceof ImaginaryComponentError || err instanceof NotPositiveSemidefiniteError)
    throw new ApiError(422, message, param, 'not_computable');
  if (err instanceof UnavailableError) throw new ApiError(404, message, 'extractor', 'unavailable');
  if (err instanceof UnknownExtractorError) throw new ApiError(400, message, 'extractor', 'invalid_value');
  throw err;
}

export function createFidApp(deps: FidDeps): Hono {
  const { store } = deps;
  const getExtractor = deps.extractor ?? ((spec: string) => resolveNamedExtractor(spec));
  const app = new Hono();
  app.onError(onApiError);

  async function loadRef(ref: string, param: string): Promise<LoadedStats> {
    let path: string;
    try {
      path = store.resolveRef(ref);
    } catch (err) {
      throw new ApiError(400, `${param}: ${(err as Error).message}`, param, 'invalid_value');
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new ApiError(404, `${param}: no statistics '${ref}' in the artifact store`, param, 'not_found');
    }
    try {
      return parseStats(bytes, `${param} (${ref})`);
    } catch (err) {
      inputError(err, param, store);
    }
  }

  app.post('/v1/fid', documented(docs.fidDoc(FidBody)), async (c) => {
    const parsed = FidBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw fromZod(parsed.error);
    const a = await loadRef(parsed.data.a, 'a');
    const b = await loadRef(parsed.data.b, 'b');
    if (a.d !== b.d)
      throw new ApiError(
        400,
        `dimensions differ: a (${parsed.data.a}) has d = ${a.d}, b (${parsed.data.b}) has d = ${b.d}`,
        'b',
        'dimension_mismatch',
      );
    try {
      const r = frechetDistance(a, b);
      return c.json({ fid: r.fid, n_a: a.n, n_b: b.n });
    } catch (err) {
      inputError(err, null, store);
    }
  });

  app.post('/v1/statistics', documented(docs.statisticsDoc(ComputeBody)), async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.includes('application/json')) {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length === 0)
        throw new ApiError(400, 'body: empty upload (send .npz bytes or JSON {"folder"})', 'body', 'invalid_value');
      try {
        const m = await storeStatisticsBytes(store, bytes, 'uploaded statistics');
        return c.json({ id: m.id, d: m.config.d, n: m.config.n }, 201);
      } catch (err) {
        inputError(err, 'body', store);
      }
    }
    const parsed = ComputeBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw fromZod(parsed.error);
    const { folder, extractor, batch_size, shard } = parsed.data;
    let sh: { index: number; count: number } | undefined;
    if (shard) {
      const [i, n] = shard.split('/').map(Number);
      if (!(n >= 1 && n <= MAX_SHARDS) || i >= n)
        throw new ApiError(400, `shard: needs 0 ≤ i < N, got '${shard}'`, 'shard', 'invalid_value');
      sh = { index: i, count: n };
    }
    try {
      store.resolveRef(folder);
    } catch (err) {
      throw new ApiError(400, `folder: ${(err as Error).message}`, 'folder', 'invalid_value');
    }
    let ex: FeatureExtractor | undefined;
    try {
      ex = await getExtractor(extractor ?? DEFAULT_EXTRACTOR);
      const m = await computeStatisticsArtifact(store, { folder, extractor: ex, batchSize: batch_size, shard: sh });
      return c.json({ id: m.id, d: m.config.d, n: m.config.n }, 201);
    } catch (err) {
      inputError(err, err instanceof ImageSourceError && err.message.startsWith('shard ') ? 'shard' : 'folder', store);
    } finally {
      await ex?.close?.();
    }
  });

  return app;
}
