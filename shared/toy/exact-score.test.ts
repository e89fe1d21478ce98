// The toy's sampler with the exact score: the sampler is right in the limit of many steps, and at the toy's 20
// steps (η = 1) it under-disperses at ζ = 1 and is close to calibrated at ζ = 0.9: the reason the diversity-seeking
// side of the toy is decided by θr's own errors (README, "The toy").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineAlphaBar } from '../diffusion/cosine-schedule.ts';
import { ddimSample } from '../samplers/ddim.ts';
import { exactEps, exactEpsFn } from './exact-score.ts';
import { frechetToTarget, gaussianFit } from './gaussian-target.ts';

const alphaBar = cosineAlphaBar(1000);
const sample = (steps: number, zeta: number, n = 20_000) =>
  ddimSample(exactEpsFn(alphaBar), n, { alphaBar, steps, eta: 1, zeta, dim: 2, seed: 17 });
const detRatio = (x: Float32Array) => {
  const { cov } = gaussianFit(x);
  return (cov[0][0] * cov[1][1] - cov[0][1] ** 2) / 3;
};

test('ε* is the score of the noised target: at ᾱ → 0 it returns xₜ, at ᾱ = 1 it is Σ⁻¹x scaled by 0', () => {
  const x = Float32Array.from([1, -2, 0.5, 3]);
  assert.deepEqual([...exactEps(x, 0)], [...x]);
  assert.deepEqual(
    [...exactEps(x, 1)].map((v) => Math.abs(v)),
    [0, 0, 0, 0],
  );
  // at ᾱ = 0.5: Σₜ = [[1.5, 0.5], [0.5, 1.5]], det 2, ε* = √0.5 · Σₜ⁻¹x
  const e = exactEps(Float32Array.from([1, 0]), 0.5);
  assert.ok(Math.abs(e[0] - Math.SQRT1_2 * 0.75) < 1e-6 && Math.abs(e[1] + Math.SQRT1_2 * 0.25) < 1e-6, `${e}`);
});

test('DDIM (η = 1) with the exact score: right at 1,000 steps, under-dispersed at 20, near calibrated at ζ = 0.9', async () => {
  const fine = await sample(1000, 1, 10_000);
  assert.ok(frechetToTarget(fine) < 0.003, `1000 steps, ζ = 1: FID ${frechetToTarget(fine)}`);
  const coarse = await sample(20, 1);
  assert.ok(detRatio(coarse) < 0.75, `20 steps, ζ = 1: det ratio ${detRatio(coarse)}`);
  const diverse = await sample(20, 0.9);
  assert.ok(
    frechetToTarget(diverse) < 0.006 && Math.abs(detRatio(diverse) - 1) < 0.15,
    `20 steps, ζ = 0.9: FID ${frechetToTarget(diverse)}, det ratio ${detRatio(diverse)}`,
  );
  const sharp = await sample(20, 1.1);
  assert.ok(frechetToTarget(sharp) > 0.1, `20 steps, ζ = 1.1: FID ${frechetToTarget(sharp)}`);
});
