// Every toy model runs on both engines with random inputs and agrees.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { compareEngines } from '../engine/parity.ts';
import { f32 } from '../engine/tensor.ts';
import { Rng } from '../random/prng.ts';
import { DiffusionToy, DIFFUSION_TOY_DEFAULTS } from '../toy/diffusion-toy.ts';
import { ArToy, AR_TOY_DEFAULTS } from '../toy/ar-toy.ts';

const ort = new OrtEngine();
after(() => ort.close());

test('the toy models agree between onnxruntime and tfjs', async () => {
  const tf = await loadTf();
  const rng = new Rng(11);
  const rand = (n: number) => Float32Array.from({ length: n }, () => 2 * rng.normal());
  const n = 64;
  const diffusion = new DiffusionToy(DIFFUSION_TOY_DEFAULTS, 5).model;
  const ar = new ArToy(AR_TOY_DEFAULTS, 6).model;
  for (const [model, feeds] of [
    [
      diffusion,
      {
        x: f32(rand(2 * n), [n, 2]),
        t: f32(
          Float32Array.from({ length: n }, () => rng.uniform()),
          [n, 1],
        ),
      },
    ],
    [ar, { c: f32(rand(2 * n), [n, 2]) }],
  ] as const) {
    const results = await compareEngines(tf, ort, model, feeds);
    for (const r of results) assert.ok(r.maxRel < 1e-5, `${model.graph.name}: ${r.output} differs by ${r.maxAbs}`);
  }
});
