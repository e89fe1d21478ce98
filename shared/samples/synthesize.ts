// Synthesis, the first step of Neon: the samples [start, end) of a model's sample stream, drawn in batches and
// written as one sample set (shards + manifest). The `synthesize` job and the synthesis step of a Neon run both
// come here, so a set drawn either way with the same model and settings is the same set, with the same id.
import type { LoadedModel } from '../serving/model-provider.ts';
import type { ArtifactManifest, ArtifactStore } from '../store/artifact-store.ts';
import { generateSamples } from './generate-samples.ts';
import { SampleSetWriter, type ModelVersionInfo, type SampleSetManifest } from './sample-set.ts';
import { resolveSettings, type SampleSetSettings } from './sample-settings.ts';

export interface SynthesisRequest {
  model: Pick<LoadedModel, 'family' | 'session' | 'manifest'>;
  /** Recorded in the set's manifest. */
  version: ModelVersionInfo;
  settings: SampleSetSettings;
  range: { start: number; end: number };
  /** Samples per sampler call. */
  batch: number;
  /** Samples per shard artifact (default 4096). */
  shardSize?: number;
  signal?: AbortSignal;
  /** After each batch: samples written so far and in all. */
  onProgress?: (done: number, total: number) => Promise<void> | void;
}

export interface SynthesizedSet {
  id: string;
  manifest: SampleSetManifest;
  /** The manifest's artifact and the shards' artifacts (to record in the registry). */
  artifact: ArtifactManifest;
  shardArtifacts: ArtifactManifest[];
}

export async function synthesizeSampleSet(store: ArtifactStore, r: SynthesisRequest): Promise<SynthesizedSet> {
  const writer = new SampleSetWriter(store, {
    shape: [...r.model.manifest.data.shape],
    model: r.version,
    settings: resolveSettings(r.model.manifest, r.settings),
    shardSize: r.shardSize,
  });
  const total = r.range.end - r.range.start;
  for await (const b of generateSamples(r.model, r.settings, r.range, r.batch, r.signal)) {
    await writer.add(
      b.images,
      b.labels,
      Uint32Array.from({ length: b.n }, (_, i) => b.first + i),
    );
    await r.onProgress?.(b.first + b.n - r.range.start, total);
  }
  return { ...(await writer.finish()), shardArtifacts: writer.shardArtifacts };
}
