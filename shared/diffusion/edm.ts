// EDM (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"): the
// preconditioning of Table 1, the training noise distribution and loss weight, and the sampler's time steps.
//   D_θ(x; σ) = c_skip(σ)·x + c_out(σ)·F_θ(c_in(σ)·x; c_noise(σ))          (eq. 7)

export interface EdmConfig {
  sigmaData: number;
  /** ln σ ~ N(P_mean, P_std²) while training. */
  pMean: number;
  pStd: number;
  sigmaMin: number;
  sigmaMax: number;
  rho: number;
}

export const EDM_DEFAULTS: EdmConfig = {
  sigmaData: 0.5,
  pMean: -1.2,
  pStd: 1.2,
  sigmaMin: 0.002,
  sigmaMax: 80,
  rho: 7,
};

/** c_skip(σ) = σ_data² / (σ² + σ_data²) (Table 1). */
export function cSkip(sigma: number, sigmaData: number): number {
  return (sigmaData * sigmaData) / (sigma * sigma + sigmaData * sigmaData);
}

/** c_out(σ) = σ·σ_data / √(σ² + σ_data²) (Table 1). */
export function cOut(sigma: number, sigmaData: number): number {
  return (sigma * sigmaData) / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
}

/** c_in(σ) = 1 / √(σ² + σ_data²) (Table 1). */
export function cIn(sigma: number, sigmaData: number): number {
  return 1 / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
}

/** c_noise(σ) = ¼·ln σ (Table 1). */
export function cNoise(sigma: number): number {
  return 0.25 * Math.log(sigma);
}

/** λ(σ) = (σ² + σ_data²) / (σ·σ_data)² (Table 1), so that λ·c_out² = 1. */
export function lossWeight(sigma: number, sigmaData: number): number {
  return (sigma * sigma + sigmaData * sigmaData) / (sigma * sigmaData) ** 2;
}

/** σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i < N, and σ_N = 0 (eq. 5). */
export function edmSigmas(N: number, c: Pick<EdmConfig, 'sigmaMin' | 'sigmaMax' | 'rho'>): number[] {
  const a = c.sigmaMax ** (1 / c.rho);
  const b = c.sigmaMin ** (1 / c.rho);
  const s = Array.from({ length: N }, (_, i) => (a + (N === 1 ? 0 : i / (N - 1)) * (b - a)) ** c.rho);
  s.push(0);
  return s;
}
