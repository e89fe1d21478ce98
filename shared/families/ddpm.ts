// The paper's 2-d diffusion toy as a GeneratorFamily, so the Neon pipeline can run on it end to end: an
// ε-prediction MLP (inputs x ∈ ℝ², t/(T−1)) trained with the DDPM loss (Ho et al. 2020, eq. 14) under the cosine
// schedule, sampled with DDIM whose score is scaled by ζ (the pipeline's "guidance scale" for this model:
// ζ > 1 is mode-seeking, as guidance is). Points travel as the platform's uint8 "images" of shape [2]: each
// coordinate quantized to 256 levels on the manifest's data range (step 16/255 on [−8, 8]; its variance,
// step²/12 ≈ 3·10⁻⁴, is far below the Fréchet distances the sweep compares). The toy experiment
// (shared/toy/diffusion-toy.ts) uses the same network, loss and sampler on unquantized points.
import type * as tfc from '@tensorflow/tfjs-core';
import { cosineAlphaBar } from '../diffusion/cosine-schedule.ts';
import { ddpmEpsLoss } from '../diffusion/ddpm-loss.ts';
import { ddimSample } from '../samplers/ddim.ts';
import { buildMlp } from '../networks/toy-mlp.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import type { Rng } from '../random/prng.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import { f32 } from '../engine/tensor.ts';
import type { GeneratorFamily, SampleRequest, SampleResult, TrainingBatch } from './generator-family.ts';
import type { Manifest, ManifestInput } from '../models/manifest.ts';

export const TOY_RANGE: [number, number] = [-8, 8];

/** uint8 level → coordinate: lo + q·(hi − lo)/255. */
export function dequantize(q: Uint8Array, range: readonly [number, number] = TOY_RANGE): Float32Array {
  const [lo, hi] = range;
  const k = (hi - lo) / 255;
  return Float32Array.from(q, (v) => lo + v * k);
}

/** coordinate → nearest uint8 level (clamped to the range). */
export function quantize(x: Float32Array, range: readonly [number, number] = TOY_RANGE): Uint8Array {
  const [lo, hi] = range;
  const k = 255 / (hi - lo);
  return Uint8Array.from(x, (v) => Math.min(255, Math.max(0, Math.round((v - lo) * k))));
}

function toyParams(manifest: Manifest): { T: number; eta: number; range: [number, number] } {
  const T = Number(manifest.loss.params.T ?? 1000);
  const eta = Number(manifest.sampler.params.eta ?? 1);
  const range = (manifest.data.range ?? TOY_RANGE) as [number, number];
  return { T, eta, range };
}

const schedules = new Map<number, Float64Array>();
function alphaBarOf(T: number): Float64Array {
  let a = schedules.get(T);
  if (!a) schedules.set(T, (a = cosineAlphaBar(T)));
  return a;
}

export interface PointSamplerOptions {
  alphaBar: Float64Array;
  steps: number;
  eta: number;
  /** The score scale ζ. */
  zeta: number;
  n: number;
  seed: number;
  first?: number;
  /** Antithetic noise pairs (see ddimSample). */
  antithetic?: boolean;
}

/** n points from the ε-prediction network of a session by DDIM at score scale ζ (point i from (seed, first + i)). */
export function ddpmPoints(session: OrtModel, o: PointSamplerOptions): Promise<Float32Array> {
  const T = o.alphaBar.length;
  return ddimSample(
    async (xt, t, count) => {
      const out = await session.run({
        x: f32(xt, [count, 2]),
        t: f32(new Float32Array(count).fill(t / (T - 1)), [count, 1]),
      });
      return out[session.outputNames[0]].data as Float32Array;
    },
    o.n,
    {
      alphaBar: o.alphaBar,
      steps: o.steps,
      eta: o.eta,
      zeta: o.zeta,
      dim: 2,
      seed: o.seed,
      first: o.first ?? 0,
      antithetic: o.antithetic,
    },
  );
}

/** The ε-prediction MLP (the paper's: inputs x ∈ ℝ² and t/(T−1), 4 hidden ReLU blocks of 32 units). */
export function ddpmPointNetwork(seed: number): ModelProto {
  return buildMlp('toy-eps-mlp', {
    inputs: [
      { name: 'x', width: 2 },
      { name: 't', width: 1 },
    ],
    hidden: 32,
    blocks: 4,
    outputs: 2,
    seed,
  });
}

export const ddpmFamily: GeneratorFamily = {
  family: 'ddpm',

  loss(tf: TF, graph: TfGraph, manifest: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar {
    const { T, range } = toyParams(manifest);
    return ddpmEpsLoss(tf, graph, dequantize(batch.images.subarray(0, 2 * batch.n), range), 2, alphaBarOf(T), rng);
  },

  async sample(session: OrtModel, manifest: Manifest, req: SampleRequest): Promise<SampleResult> {
    const { T, eta, range } = toyParams(manifest);
    const zeta = req.guidanceScale ?? manifest.sampler.guidance_scale ?? 1;
    const steps = req.steps ?? manifest.sampler.steps ?? 20;
    const x = await ddpmPoints(session, {
      alphaBar: alphaBarOf(T),
      steps,
      eta,
      zeta,
      n: req.n,
      seed: req.seed,
      first: req.first ?? 0,
    });
    return { images: quantize(x, range), labels: new Int32Array(req.n) };
  },

  evaluationsPerSample(manifest: Manifest, req: SampleRequest): number {
    return req.steps ?? manifest.sampler.steps ?? 20;
  },
};

/** The toy model's graph (the paper's MLP: 4 hidden ReLU blocks of 32 units) and its manifest. */
export function toyDiffusionModel(seed: number): { model: ModelProto; manifest: ManifestInput } {
  const model = ddpmPointNetwork(seed);
  const manifest: ManifestInput = {
    name: 'toy-ddpm',
    family: 'ddpm',
    description:
      "The paper's 2-d toy: ε-prediction MLP on N(0, [[2,1],[1,2]]), DDIM with score scale ζ as the guidance scale",
    data: { shape: [2], range: TOY_RANGE },
    conditioning: { num_classes: 0 },
    loss: { kind: 'ddpm-eps', params: { T: 1000, schedule: 'cosine' } },
    sampler: { kind: 'ddim', steps: 20, guidance_scale: 1.1, params: { eta: 1, guidance: 'score-scale' } },
    io: { inputs: { x: 'x', t: 't' }, outputs: { eps: 'out' } },
  };
  return { model, manifest };
}
