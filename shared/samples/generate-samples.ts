// Draws the samples [start, end) of a sample stream in batches with a model's family sampler. Sample j always comes
// from the generator (seed, j) with class labelOf(j), so any split into shards or batches gives the same samples.
import type { LoadedModel } from '../serving/model-provider.ts';
import { requestFor, type SampleSetSettings } from './sample-settings.ts';
import { sampleInLanes } from '../families/sample-lanes.ts';

export interface SampleBatch {
  /** Global index of the batch's first sample. */
  first: number;
  n: number;
  images: Uint8Array;
  labels: Int32Array;
}

export async function* generateSamples(
  model: Pick<LoadedModel, 'family' | 'session' | 'manifest'>,
  settings: SampleSetSettings,
  range: { start: number; end: number },
  batchSize = 64,
  signal?: AbortSignal,
): AsyncGenerator<SampleBatch> {
  for (let first = range.start; first < range.end; first += batchSize) {
    signal?.throwIfAborted();
    const n = Math.min(batchSize, range.end - first);
    const r = await sampleInLanes(
      model.family,
      model.session,
      model.manifest,
      requestFor(model.manifest, settings, first, n),
    );
    yield { first, n, images: r.images, labels: r.labels };
  }
}
