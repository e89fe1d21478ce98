// A sample set drawn from a model as a training set for self-training: n images at given sampler settings, the
// labels cycling over the classes (sample i has class i mod K), seeds from `seed` on.
import type { OrtEngine } from '../engine/ort/ort-engine.ts';
import { familyFor } from '../families/registry.ts';
import type { SampleRequest } from '../families/generator-family.ts';
import type { ModelFiles } from '../models/model-files.ts';
import type { LabeledImages } from '../data/labeled-images.ts';

export interface DrawOptions extends Omit<SampleRequest, 'n' | 'classLabels' | 'first'> {
  n: number;
  /** Samples per sampler call (default 500). */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function drawSampleSet(ort: OrtEngine, base: ModelFiles, o: DrawOptions): Promise<LabeledImages> {
  const m = base.manifest;
  const [C, H, W] = m.data.shape;
  const dim = C * H * W;
  const K = Math.max(1, m.conditioning.num_classes);
  const images = new Uint8Array(o.n * dim);
  const labels = new Int32Array(o.n);
  const session = await ort.load(base.bytes);
  try {
    const chunk = o.chunk ?? 500;
    for (let s = 0; s < o.n; s += chunk) {
      const k = Math.min(chunk, o.n - s);
      const classLabels = Array.from({ length: k }, (_, i) => (s + i) % K);
      const r = await familyFor(m.family).sample(session, m, { ...o, n: k, first: s, classLabels });
      images.set(r.images, s * dim);
      labels.set(r.labels, s);
      o.onProgress?.(s + k, o.n);
    }
  } finally {
    await session.release();
  }
  const settings = [o.guidanceScale, o.steps, o.temperature, o.topK].map((v) => v ?? '-').join(',');
  return { images, labels, n: o.n, shape: [C, H, W], id: `${m.name}@${base.hash.slice(0, 12)}:seed${o.seed}:n${o.n}:${settings}` };
}
