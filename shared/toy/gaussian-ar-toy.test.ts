// The official notebook's autoregressive toy: fitted to points of the target, its negative log-likelihood falls, and
// temperature τ scales its samples' spread by τ (the same normal draws, antithetic pairs mirrored about the mean).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { Rng } from '../random/prng.ts';
import { sampleTarget } from './gaussian-target.ts';
import { GaussianArToy } from './gaussian-ar-toy.ts';
import { ToyNetwork } from './toy-network.ts';

const ort = new OrtEngine();
after(() => ort.close());

function std(xs: Float32Array, coord: number): number {
  const n = xs.length / 2;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[2 * i + coord] / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[2 * i + coord] - m) ** 2 / n;
  return Math.sqrt(v);
}

test('gaussian AR toy: the NLL falls with training, and τ scales the spread of x₁ by τ', async () => {
  const tf = await loadTf();
  const family = new GaussianArToy(3);
  const net = new ToyNetwork(tf, ort, family.model);
  try {
    const real = sampleTarget(200, 7);
    const nll = () => {
      const l = family.loss(tf, net, real, new Rng(1));
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    };
    const before = nll();
    net.fit(family, real, 2, { lr: 5e-3, steps: 200, batch: 200, rng: new Rng(2) }).dispose();
    const after = nll();
    assert.ok(after < before - 0.2, `NLL ${before} → ${after}`);
    // the fitted x₁ marginal is close to the target's σ = √2
    const w = net.weights();
    const s1 = await family.sample(net, w, 4000, 1, 9);
    assert.ok(Math.abs(std(s1, 0) - Math.SQRT2) < 0.25, `σ₁ ${std(s1, 0)}`);
    const half = await family.sample(net, w, 4000, 0.5, 9);
    assert.ok(Math.abs(std(half, 0) / std(s1, 0) - 0.5) < 1e-4, `ratio ${std(half, 0) / std(s1, 0)}`);
    // antithetic pairs: x₁ of samples 2k and 2k+1 are mirrored about μ₁
    const anti = await family.sample(net, w, 4, 1, 9, { antithetic: true });
    assert.ok(Math.abs((anti[0] + anti[2]) / 2 - (anti[4] + anti[6]) / 2) < 1e-5);
  } finally {
    net.dispose();
  }
});
