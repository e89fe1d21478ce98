// The paper's 2-d diffusion toy: an ε-prediction MLP on (x, t/(T−1)) trained with the DDPM loss
// ‖ε − ε_θ(√ᾱₜ·x₀ + √(1−ᾱₜ)·ε, t/(T−1))‖² (Ho et al. 2020, eq. 14) under the cosine schedule, sampled with
// DDIM (η = 1, 20 steps) whose score is scaled by ζ.
import type * as tfc from '@tensorflow/tfjs-core';
import { cosineAlphaBar } from '../diffusion/cosine-schedule.ts';
import { ddpmEpsLoss } from '../diffusion/ddpm-loss.ts';
import { ddimSample } from '../samplers/ddim.ts';
import { buildMlp } from '../models/toy-mlp.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { Rng } from '../random/prng.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { f32 } from '../engine/tensor.ts';
import type { Weights } from '../neon/neon-merge.ts';
import { ToyNetwork, type ToyFamily } from './toy-network.ts';

export interface DiffusionToyConfig {
  T: number;
  samplerSteps: number;
  eta: number;
}

export const DIFFUSION_TOY_DEFAULTS: DiffusionToyConfig = { T: 1000, samplerSteps: 20, eta: 1 };

export class DiffusionToy implements ToyFamily {
  readonly name = 'diffusion';
  readonly alphaBar: Float64Array;
  readonly model: ModelProto;

  constructor(
    readonly config: DiffusionToyConfig,
    seed: number,
  ) {
    this.alphaBar = cosineAlphaBar(config.T);
    this.model = buildMlp('toy-eps-mlp', { inputs: [{ name: 'x', width: 2 }, { name: 't', width: 1 }], hidden: 32, blocks: 4, outputs: 2, seed });
  }

  /** The DDPM ε-loss on a batch, with its noise draws from `rng`. */
  loss(tf: TF, net: ToyNetwork, x0: Float32Array, rng: Rng): tfc.Scalar {
    return ddpmEpsLoss(tf, net.graph, x0, 2, this.alphaBar, rng);
  }

  /** n samples from weights θ with DDIM (η, 20 steps) at score scale ζ (sample i from seed's stream i). */
  async sample(net: ToyNetwork, weights: Weights, n: number, knob: number, seed: number, opts: { antithetic?: boolean } = {}): Promise<Float32Array> {
    const session = await net.session(weights);
    const T = this.config.T;
    try {
      return await ddimSample(
        async (x, t, count) => {
          const out = await session.run({ x: f32(x, [count, 2]), t: f32(new Float32Array(count).fill(t / (T - 1)), [count, 1]) });
          return out[session.outputNames[0]].data as Float32Array;
        },
        n,
        { alphaBar: this.alphaBar, steps: this.config.samplerSteps, eta: this.config.eta, zeta: knob, dim: 2, seed, antithetic: opts.antithetic },
      );
    } finally {
      await session.release();
    }
  }
}
