import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edmHeunSample, edmHeunEvaluations } from './edm-heun.ts';
import { eulerFlow, heunFlow } from './flow-ode.ts';
import { drawToken } from './ar-sampling.ts';
import { EDM_DEFAULTS } from '../diffusion/edm.ts';
import { Rng } from '../random/prng.ts';

test('EDM Heun on Gaussian data follows the exact probability-flow ODE', async () => {
  // data ~ N(0, s²): the ideal denoiser is D(x; σ) = x·s²/(σ² + s²), and the ODE maps x(σ_max) to
  // x(0) = x(σ_max)·s/√(σ_max² + s²)
  const s = 0.5;
  let evals = 0;
  const D = async (x: Float32Array, sigma: number) => {
    evals++;
    return x.map((v) => (v * s * s) / (sigma * sigma + s * s));
  };
  const eps = Float32Array.from([1, -0.5, 2]);
  const exact = (e: number) => (e * 80 * s) / Math.sqrt(80 * 80 + s * s);
  const N = 100;
  const out = await edmHeunSample(D, eps, N, EDM_DEFAULTS);
  assert.equal(evals, edmHeunEvaluations(N));
  for (let i = 0; i < eps.length; i++)
    assert.ok(Math.abs(out[i] - exact(eps[i])) < 2e-3 * Math.abs(exact(eps[i])), `${out[i]} vs ${exact(eps[i])}`);
  // second order: 2.5× the steps cuts the error by well over 2.5×
  const errAt = async (n: number) => Math.abs((await edmHeunSample(D, eps, n, EDM_DEFAULTS))[0] - exact(eps[0]));
  const ratio = (await errAt(40)) / (await errAt(100));
  assert.ok(ratio > 4.5, `error ratio ${ratio}`);
});

test('flow ODE: Heun is second order, Euler first, on dx/dt = x', async () => {
  const v = async (x: Float32Array) => x.slice();
  const x0 = Float32Array.from([1]);
  const err = async (f: typeof eulerFlow, n: number) => Math.abs((await f(v, x0, n))[0] - Math.E);
  const e1 = await err(eulerFlow, 10);
  const e2 = await err(eulerFlow, 20);
  const h1 = await err(heunFlow, 10);
  const h2 = await err(heunFlow, 20);
  assert.ok(e1 / e2 > 1.8 && e1 / e2 < 2.2, `Euler ratio ${e1 / e2}`);
  assert.ok(h1 / h2 > 3.6 && h1 / h2 < 4.4, `Heun ratio ${h1 / h2}`);
});

test('top-k = 1 is greedy whatever the uniform and temperature', () => {
  const logits = [0.1, 2.5, -1, 2.4];
  for (const u of [0, 0.3, 0.999]) for (const tau of [0.1, 1, 5]) assert.equal(drawToken(logits, tau, 1, u), 1);
  // ties go to the lowest index
  assert.equal(drawToken([1, 3, 3], 1, 1, 0.9), 1);
});

test('temperature and top-k shape the draw distribution', () => {
  const logits = [Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)];
  const rng = new Rng(1);
  const count = (tau: number, k: number) => {
    const c = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) c[drawToken(logits, tau, k, rng.uniform())]++;
    return c.map((x) => x / 20000);
  };
  const p = count(1, 0);
  [0.1, 0.2, 0.3, 0.4].forEach((q, i) => assert.ok(Math.abs(p[i] - q) < 0.015, `p[${i}] = ${p[i]}`));
  const k2 = count(1, 2);
  assert.equal(k2[0] + k2[1], 0);
  assert.ok(Math.abs(k2[3] - 0.4 / 0.7) < 0.015);
  const cold = count(0.25, 0);
  // τ = 1/4: p ∝ q⁴
  const z = [0.1, 0.2, 0.3, 0.4].reduce((a, q) => a + q ** 4, 0);
  assert.ok(Math.abs(cold[3] - 0.4 ** 4 / z) < 0.015);
});
