// DDIM (Song et al. 2021, eq. 12) with stochasticity η and a score scale ζ (the paper's toy sampler):
//   ε̂ = ζ·ε_θ(xₜ, t),  x̂₀ = (xₜ − √(1−ᾱₜ)·ε̂)/√ᾱₜ,
//   σₜ = η·√((1−ᾱₚ)/(1−ᾱₜ))·√(1−ᾱₜ/ᾱₚ),
//   xₚ = √ᾱₚ·x̂₀ + √(1−ᾱₚ−σₜ²)·ε̂ + σₜ·z.
// ζ > 1 sharpens the score (mode-seeking); ζ < 1 flattens it (diversity-seeking). Noise for sample i comes
// from its own generator, so sample i of a seed is the same whatever the batch. With `antithetic`, samples come in
// pairs (2k, 2k+1) whose normals are negatives of each other (antithetic variates: each sample is still drawn from
// the sampler's distribution, and population averages over the pairs have lower variance).
import { sampleRng, type Rng } from '../random/prng.ts';

/** The network call: ε predictions for a batch of flat points at one timestep index. */
export type EpsFn = (x: Float32Array, t: number, n: number) => Promise<Float32Array>;

export interface DdimOptions {
  alphaBar: Float64Array;
  steps: number;
  eta: number;
  zeta: number;
  /** Elements per sample. */
  dim: number;
  seed: number;
  /** Index of the first sample (sample i uses the generator of (seed, first + i)). */
  first?: number;
  /** Global samples 2k and 2k+1 share the generator of (seed, k), the odd one with every normal negated. */
  antithetic?: boolean;
}

/** The timestep indices visited, from the noisiest down: T·(S−1)/S, …, T/S, 0. */
export function ddimTimesteps(T: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => Math.floor(((steps - 1 - i) * T) / steps));
}

export async function ddimSample(eps: EpsFn, n: number, o: DdimOptions): Promise<Float32Array> {
  const { alphaBar, dim } = o;
  const index = (i: number) => (o.first ?? 0) + i;
  const rngs: Rng[] = Array.from({ length: n }, (_, i) =>
    sampleRng(o.seed, o.antithetic ? Math.floor(index(i) / 2) : index(i)),
  );
  const sign = Float32Array.from({ length: n }, (_, i) => (o.antithetic && index(i) % 2 === 1 ? -1 : 1));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) x[i * dim + d] = sign[i] * rngs[i].normal();
  const ts = ddimTimesteps(alphaBar.length, o.steps);
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k];
    const aT = alphaBar[t];
    const aP = k + 1 < ts.length ? alphaBar[ts[k + 1]] : 1;
    const out = await eps(x, t, n);
    const sigma = o.eta * Math.sqrt((1 - aP) / (1 - aT)) * Math.sqrt(Math.max(0, 1 - aT / aP));
    const dirScale = Math.sqrt(Math.max(0, 1 - aP - sigma * sigma));
    const sqrtAT = Math.sqrt(aT);
    const sqrt1mAT = Math.sqrt(1 - aT);
    const sqrtAP = Math.sqrt(aP);
    for (let i = 0; i < n; i++) {
      const rng = rngs[i];
      for (let d = 0; d < dim; d++) {
        const j = i * dim + d;
        const e = o.zeta * out[j];
        const x0 = (x[j] - sqrt1mAT * e) / sqrtAT;
        x[j] = sqrtAP * x0 + dirScale * e + (sigma > 0 ? sigma * sign[i] * rng.normal() : 0);
      }
    }
  }
  return x;
}
