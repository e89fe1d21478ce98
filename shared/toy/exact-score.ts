// The exact ε-prediction of the toy's target under the forward process xₜ = √ᾱ·x₀ + √(1−ᾱ)·ε, x₀ ~ N(0, Σ):
//   xₜ ~ N(0, Σₜ), Σₜ = ᾱ·Σ + (1−ᾱ)·I,  ε*(xₜ) = −√(1−ᾱ)·∇log pₜ(xₜ) = √(1−ᾱ)·Σₜ⁻¹·xₜ.
// Sampling with it isolates the sampler: whatever the samples miss is the sampler's doing, not a model's.
import { TARGET_COV } from './gaussian-target.ts';
import type { EpsFn } from '../samplers/ddim.ts';

/** ε*(x) for a batch of 2-d points at noise level ᾱ. */
export function exactEps(
  x: Float32Array,
  alphaBar: number,
  cov: [[number, number], [number, number]] = TARGET_COV,
): Float32Array {
  const a = alphaBar;
  const s11 = a * cov[0][0] + 1 - a;
  const s12 = a * cov[0][1];
  const s22 = a * cov[1][1] + 1 - a;
  const det = s11 * s22 - s12 * s12;
  const k = Math.sqrt(1 - a) / det;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    out[i] = k * (s22 * x[i] - s12 * x[i + 1]);
    out[i + 1] = k * (-s12 * x[i] + s11 * x[i + 1]);
  }
  return out;
}

/** ε* as the DDIM sampler's network call, for the schedule `alphaBar`. */
export function exactEpsFn(alphaBar: Float64Array): EpsFn {
  return async (x, t) => exactEps(x, alphaBar[t]);
}
