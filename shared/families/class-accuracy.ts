// Are class-conditioned samples recognisable? For each class c, n samples conditioned on c (at the given
// sampler settings) are labelled by a classifier; the share labelled c is the class's accuracy.
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { Manifest } from '../models/manifest.ts';
import type { SampleRequest } from './generator-family.ts';
import { familyFor } from './registry.ts';

export type Classify = (images: Uint8Array, n: number) => Promise<ArrayLike<number>>;

export interface ClassAccuracy {
  perClass: number[];
  /** The smallest per-class accuracy. */
  min: number;
  mean: number;
  nPerClass: number;
  seconds: number;
}

export interface ClassAccuracyOptions extends Omit<SampleRequest, 'n' | 'classLabels' | 'first'> {
  nPerClass: number;
  /** Samples per sampler call (default 250). */
  chunk?: number;
  onClass?: (c: number, accuracy: number) => void;
}

/** Sample seeds: class c's samples are seeds seed + c·nPerClass + i, so classes never share a seed. */
export async function classAccuracy(
  session: OrtModel,
  m: Manifest,
  classify: Classify,
  o: ClassAccuracyOptions,
): Promise<ClassAccuracy> {
  const started = performance.now();
  const family = familyFor(m.family);
  const K = m.conditioning.num_classes;
  const perClass: number[] = [];
  const chunk = o.chunk ?? 250;
  for (let c = 0; c < K; c++) {
    let hits = 0;
    for (let s = 0; s < o.nPerClass; s += chunk) {
      const k = Math.min(chunk, o.nPerClass - s);
      const r = await family.sample(session, m, { ...o, n: k, seed: o.seed + c * o.nPerClass + s, classLabels: [c] });
      const pred = await classify(r.images, k);
      for (let i = 0; i < k; i++) if (pred[i] === c) hits++;
    }
    perClass.push(hits / o.nPerClass);
    o.onClass?.(c, hits / o.nPerClass);
  }
  return {
    perClass,
    min: Math.min(...perClass),
    mean: perClass.reduce((a, b) => a + b, 0) / K,
    nPerClass: o.nPerClass,
    seconds: (performance.now() - started) / 1000,
  };
}
