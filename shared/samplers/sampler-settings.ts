// How a model is sampled (beyond its seed and labels): the one type of sampler settings, camelCase in code, and
// its one wire form, snake_case as the run config, the job payloads and the recorded sample sets spell it. Code
// converts between them only here (`settingsFromWire`, `settingsToWire`).
import { z } from 'zod';

export interface SamplerSettings {
  /** Classifier-free guidance scale (the score scale ζ for the 2-d toy). Undefined: the model's default. */
  guidanceScale?: number;
  steps?: number;
  /** Autoregressive sampling temperature. */
  temperature?: number;
  /** Autoregressive top-k (0: all). */
  topK?: number;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** The wire form, validated. */
export const samplerSettingsWire = z.object({
  guidance_scale: finite.min(0).optional(),
  steps: z.number().int().positive().optional(),
  temperature: finite.positive().optional(),
  top_k: z.number().int().min(0).optional(),
});
export type SamplerSettingsWire = z.output<typeof samplerSettingsWire>;

export function settingsFromWire(w: SamplerSettingsWire): SamplerSettings {
  return { guidanceScale: w.guidance_scale, steps: w.steps, temperature: w.temperature, topK: w.top_k };
}

export function settingsToWire(s: SamplerSettings): SamplerSettingsWire {
  return { guidance_scale: s.guidanceScale, steps: s.steps, temperature: s.temperature, top_k: s.topK };
}
