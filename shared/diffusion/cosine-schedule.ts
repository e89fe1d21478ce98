// The cosine noise schedule (Nichol & Dhariwal 2021, eq. 17): ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2),
// with βₜ = 1 − ᾱₜ/ᾱₜ₋₁ clipped to 0.999. Index t = 0..T−1 is diffusion step t+1, so ᾱ[0] < 1.

export function cosineAlphaBar(T: number, s = 0.008): Float64Array {
  const f = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const alphaBar = new Float64Array(T);
  let prod = 1;
  for (let t = 0; t < T; t++) {
    const beta = Math.min(1 - f(t + 1) / f(t), 0.999);
    prod *= 1 - beta;
    alphaBar[t] = prod;
  }
  return alphaBar;
}
