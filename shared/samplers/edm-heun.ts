// EDM's deterministic sampler (Karras et al. 2022, Algorithm 2 with S_churn = 0): Heun's 2nd-order method on
// dx/dσ = (x − D(x; σ))/σ over the ρ-spaced σ_0 > … > σ_{N−1} > σ_N = 0, with the Euler step at the last one.
// `denoise` evaluates D on a whole batch at one σ (guidance included) and does not keep its input: the state
// lives in two buffers that take turns.
import { edmSigmas, type EdmConfig } from '../diffusion/edm.ts';

export type Denoiser = (x: Float32Array, sigma: number) => Promise<Float32Array>;

/** x_0 = σ_0·ε with ε the given standard normals; returns x_N. */
export async function edmHeunSample(
  denoise: Denoiser,
  eps: Float32Array,
  N: number,
  c: Pick<EdmConfig, 'sigmaMin' | 'sigmaMax' | 'rho'>,
): Promise<Float32Array> {
  const sigmas = edmSigmas(N, c);
  let x = eps.map((e) => e * sigmas[0]);
  let xNext = new Float32Array(x.length);
  const d = new Float32Array(x.length);
  for (let i = 0; i < N; i++) {
    const s = sigmas[i];
    const sNext = sigmas[i + 1];
    const D = await denoise(x, s);
    for (let j = 0; j < x.length; j++) {
      d[j] = (x[j] - D[j]) / s; // line 6: d_i = (x_i − D(x_i; t_i))/t_i
      xNext[j] = x[j] + (sNext - s) * d[j]; // line 7: Euler step
    }
    if (sNext !== 0) {
      const D2 = await denoise(xNext, sNext);
      for (let j = 0; j < x.length; j++) {
        const d2 = (xNext[j] - D2[j]) / sNext; // line 9: d'_i
        xNext[j] = x[j] + (sNext - s) * (0.5 * d[j] + 0.5 * d2); // line 10: 2nd-order correction
      }
    }
    [x, xNext] = [xNext, x];
  }
  return x;
}

/** Network evaluations per sample: 2N − 1. */
export function edmHeunEvaluations(N: number): number {
  return 2 * N - 1;
}
