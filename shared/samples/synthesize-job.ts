// The `synthesize` job: draws a sample set from a model and writes it to the artifact store (recorded in the
// artifacts table), with a job.progress event per batch. The result names the sample set artifact. A retried job
// draws the same samples again (they depend only on the settings), so its shards and manifest get the same ids.
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { PermanentJobError } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/worker.ts';
import { ModelNotFoundError, type ModelProvider } from '../serving/model-provider.ts';
import { UnknownFamilyError } from '../families/registry.ts';
import { recordArtifact } from '../registry/registry.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { synthesizeSampleSet } from './synthesize.ts';
import type { SampleSetSettings } from './sample-settings.ts';
import { samplerSettingsWire, settingsFromWire } from '../samplers/sampler-settings.ts';

export const SYNTHESIZE_JOB = 'synthesize';

export const SynthesizePayload = samplerSettingsWire.extend({
  model: z.string().min(1),
  n: z.number().int().min(1).max(10_000_000),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  class_label: z.number().int().min(0).optional(),
  /** Samples per sampler call (default 64). */
  batch: z.number().int().min(1).max(4096).default(64),
  /** Samples per shard artifact (default 4096). */
  shard_size: z.number().int().min(1).default(4096),
});

export type SynthesizePayload = z.input<typeof SynthesizePayload>;

export interface SynthesizeDeps {
  models: ModelProvider;
  store: ArtifactStore;
  /** Where the artifacts are recorded (the registry's artifacts table); optional. */
  db?: Db;
}

export function synthesizeHandler(deps: SynthesizeDeps): JobHandler {
  return async (job, ctx) => {
    const parsed = SynthesizePayload.safeParse(job.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PermanentJobError(`synthesize payload: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const p = parsed.data;
    let model;
    try {
      model = await deps.models.get(p.model);
    } catch (err) {
      if (err instanceof ModelNotFoundError || err instanceof UnknownFamilyError)
        throw new PermanentJobError(err.message);
      throw err;
    }
    const settings: SampleSetSettings = { seed: p.seed, classLabel: p.class_label, ...settingsFromWire(p) };
    const version = { name: model.name, ref: p.model, tag: model.tag, content_hash: model.key };
    const t0 = performance.now();
    const { id, artifact, manifest, shardArtifacts } = await synthesizeSampleSet(deps.store, {
      model,
      version,
      settings,
      range: { start: 0, end: p.n },
      batch: p.batch,
      shardSize: p.shard_size,
      signal: ctx.signal,
      onProgress: (done, total) =>
        ctx.progress({ done, total, images_per_second: done / ((performance.now() - t0) / 1000) }),
    });
    if (deps.db) {
      for (const s of shardArtifacts) await recordArtifact(deps.db, s);
      await recordArtifact(deps.db, artifact);
    }
    return {
      sample_set: id,
      n: manifest.n,
      shards: manifest.shards.length,
      model: version,
      seconds: (performance.now() - t0) / 1000,
    };
  };
}
