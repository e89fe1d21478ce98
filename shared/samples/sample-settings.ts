// The settings a sample set (or a generation request) is drawn with, resolved against the model's sampler
// defaults, and the class label each global sample index gets.
import type { Manifest } from '../models/manifest.ts';
import type { SampleRequest } from '../families/generator-family.ts';
import { settingsToWire, type SamplerSettings } from '../samplers/sampler-settings.ts';

export interface SampleSetSettings extends SamplerSettings {
  /** The base seed: sample j is drawn from the generator (seed, j). */
  seed: number;
  /** One class for every sample; undefined: sample j gets class j mod num_classes (unconditional models: none). */
  classLabel?: number;
}

/** Settings with the model's defaults filled in, as recorded in a sample set's manifest. */
export interface ResolvedSettings {
  family: Manifest['family'];
  sampler: string;
  seed: number;
  guidance_scale: number | null;
  steps: number | null;
  temperature: number | null;
  top_k: number | null;
  /** 'fixed' (every sample classLabel), 'cycle' (j mod num_classes) or 'none' (unconditional). */
  labels: 'fixed' | 'cycle' | 'none';
  class_label: number | null;
}

export function resolveSettings(manifest: Manifest, s: SampleSetSettings): ResolvedSettings {
  const k = manifest.conditioning.num_classes;
  const w = settingsToWire(s);
  return {
    family: manifest.family,
    sampler: manifest.sampler.kind,
    seed: s.seed,
    guidance_scale: w.guidance_scale ?? manifest.sampler.guidance_scale ?? null,
    steps: w.steps ?? manifest.sampler.steps ?? null,
    temperature: w.temperature ?? manifest.sampler.temperature ?? null,
    top_k: w.top_k ?? manifest.sampler.top_k ?? null,
    labels: k === 0 ? 'none' : s.classLabel !== undefined ? 'fixed' : 'cycle',
    class_label: k === 0 ? null : (s.classLabel ?? null),
  };
}

/** The class of global sample j: the fixed class, or j mod num_classes (balanced classes, whatever the sharding). */
export function labelOf(manifest: Manifest, s: SampleSetSettings, j: number): number | undefined {
  const k = manifest.conditioning.num_classes;
  if (k === 0) return undefined;
  return s.classLabel ?? j % k;
}

/** The family request for the samples [first, first + n) of a set. */
export function requestFor(manifest: Manifest, s: SampleSetSettings, first: number, n: number): SampleRequest {
  const labels =
    manifest.conditioning.num_classes === 0
      ? undefined
      : Array.from({ length: n }, (_, i) => labelOf(manifest, s, first + i)!);
  return {
    n,
    seed: s.seed,
    first,
    classLabels: labels,
    guidanceScale: s.guidanceScale,
    steps: s.steps,
    temperature: s.temperature,
    topK: s.topK,
  };
}
