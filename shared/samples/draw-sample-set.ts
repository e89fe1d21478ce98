// A sample set drawn from a model folder into memory, as a training set (`npm run self-train`) or for a PNG folder
// (`npm run sample-folder`): the samples [0, n) of the model's stream at the given sampler settings, drawn by
// generateSamples exactly as a stored sample set would be (sample i has class i mod K and the generator (seed, i)).
import type { OrtEngine } from '../engine/ort/ort-engine.ts';
import { familyFor } from '../families/registry.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import type { ModelFiles } from '../models/model-files.ts';
import { settingsToWire } from '../samplers/sampler-settings.ts';
import { generateSamples } from './generate-samples.ts';
import type { SampleSetSettings } from './sample-settings.ts';

export interface DrawOptions extends SampleSetSettings {
  n: number;
  /** Samples per sampler call (default 500). */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function drawSampleSet(ort: OrtEngine, base: ModelFiles, o: DrawOptions): Promise<LabeledImages> {
  const m = base.manifest;
  const dim = m.data.shape.reduce((a, b) => a * b, 1);
  const images = new Uint8Array(o.n * dim);
  const labels = new Int32Array(o.n);
  const session = await ort.load(base.bytes);
  try {
    for await (const b of generateSamples(
      { family: familyFor(m.family), session, manifest: m },
      o,
      { start: 0, end: o.n },
      o.chunk ?? 500,
    )) {
      images.set(b.images, b.first * dim);
      labels.set(b.labels, b.first);
      o.onProgress?.(b.first + b.n, o.n);
    }
  } finally {
    await session.release();
  }
  const w = settingsToWire(o);
  const settings = [w.guidance_scale, w.steps, w.temperature, w.top_k].map((v) => v ?? '-').join(',');
  return {
    images,
    labels,
    n: o.n,
    shape: m.data.shape,
    id: `${m.name}@${base.hash.slice(0, 12)}:seed${o.seed}:n${o.n}:${settings}`,
  };
}
