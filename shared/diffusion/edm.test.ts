import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cIn, cNoise, cOut, cSkip, edmSigmas, EDM_DEFAULTS, lossWeight } from './edm.ts';
import { edmDenoiser } from '../families/edm.ts';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

test('preconditioning: Table 1 of Karras et al. at σ_data = 0.5', () => {
  const sd = 0.5;
  // σ = 1: σ² + σ_data² = 1.25
  close(cSkip(1, sd), 0.25 / 1.25);
  close(cOut(1, sd), 0.5 / Math.sqrt(1.25));
  close(cIn(1, sd), 1 / Math.sqrt(1.25));
  close(cNoise(1), 0);
  close(cNoise(Math.E ** 4), 1);
  close(lossWeight(1, sd), 1.25 / 0.25);
  for (const s of [0.002, 0.1, 0.5, 3, 80]) {
    // λ(σ)·c_out(σ)² = 1: the effective target has unit weight (§5, "Loss weighting")
    close(lossWeight(s, sd) * cOut(s, sd) ** 2, 1);
    // unit variance of the network input and of the effective target (Appendix B.6): c_in²(σ² + σ_d²) = 1,
    // c_skip² σ_d² ... the training target (y − c_skip·(y + n))/c_out has variance 1
    close(cIn(s, sd) ** 2 * (s * s + sd * sd), 1);
    close(((1 - cSkip(s, sd)) ** 2 * sd * sd + cSkip(s, sd) ** 2 * s * s) / cOut(s, sd) ** 2, 1, 1e-9);
  }
  // limits: σ → 0 gives D(x) = x; σ → ∞ gives D(x) ≈ σ_data·F
  close(cSkip(1e-9, sd), 1, 1e-9);
  close(cOut(1e9, sd), sd, 1e-9);
});

test('the ρ = 7 time steps (eq. 5): σ_max first, σ_min last, then 0, decreasing', () => {
  const s = edmSigmas(18, EDM_DEFAULTS);
  assert.equal(s.length, 19);
  close(s[0], 80, 1e-9);
  close(s[17], 0.002, 1e-9);
  assert.equal(s[18], 0);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] < s[i - 1]);
  // interior step from the formula
  const r = 7;
  close(s[9], (80 ** (1 / r) + (9 / 17) * (0.002 ** (1 / r) - 80 ** (1 / r))) ** r, 1e-12);
});

test('D_θ(x; σ) = c_skip·x + c_out·F(c_in·x; c_noise) in the sampler wrapper', async () => {
  const calls: { x: Float32Array; t: Float32Array }[] = [];
  // F(u; c) = 3u + c per element, as a stand-in network
  const F = async (x: Float32Array, t: Float32Array, _y: Int32Array, n: number) => {
    calls.push({ x: x.slice(), t: t.slice() });
    const dim = x.length / n;
    return x.map((u, j) => 3 * u + t[Math.floor(j / dim)]);
  };
  const D = edmDenoiser(F, 0.5);
  const x = Float32Array.from([0.3, -1.2, 2, 0.7]);
  const sigma = Float32Array.from([0.4, 7]);
  const out = await D(x, sigma, Int32Array.from([1, 2]), 2);
  assert.equal(calls.length, 1);
  for (let j = 0; j < 4; j++) {
    const s = sigma[j >> 1];
    const expected = cSkip(s, 0.5) * x[j] + cOut(s, 0.5) * (3 * cIn(s, 0.5) * x[j] + cNoise(s));
    close(out[j], expected, 1e-6);
    close(calls[0].x[j], cIn(s, 0.5) * x[j], 1e-6);
  }
});
