// The paper's 2-d diffusion toy: an ε-prediction MLP on (x, t/(T−1)) trained with the DDPM loss
// ‖ε − ε_θ(√ᾱₜ·x₀ + √(1−ᾱₜ)·ε, t/(T−1))‖² (Ho et al. 2020, eq. 14) under the cosine schedule, sampled with
// DDIM (η = 1, 20 steps) whose score is scaled by ζ. Network and sampler are the ddpm family's
// (shared/families/ddpm.ts), which runs the same model on the platform's quantized points; here the points stay
// float, the weights are swapped in memory and the knob ζ is swept.
import type * as tfc from '@tensorflow/tfjs-core';
import { cosineAlphaBar } from '../diffusion/cosine-schedule.ts';
import { ddpmEpsLoss } from '../diffusion/ddpm-loss.ts';
import { ddpmPointNetwork, ddpmPoints } from '../families/ddpm.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { Rng } from '../random/prng.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
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
    this.model = ddpmPointNetwork(seed);
  }

  /** The DDPM ε-loss on a batch, with its noise draws from `rng`. */
  loss(tf: TF, net: ToyNetwork, x0: Float32Array, rng: Rng): tfc.Scalar {
    return ddpmEpsLoss(tf, net.graph, x0, 2, this.alphaBar, rng);
  }

  /** n samples from weights θ with DDIM (η, 20 steps) at score scale ζ (sample i from seed's stream i). */
  async sample(
    net: ToyNetwork,
    weights: Weights,
    n: number,
    knob: number,
    seed: number,
    opts: { antithetic?: boolean } = {},
  ): Promise<Float32Array> {
    const session = await net.session(weights);
    try {
      return await ddpmPoints(session, {
        alphaBar: this.alphaBar,
        steps: this.config.samplerSteps,
        eta: this.config.eta,
        zeta: knob,
        n,
        seed,
        antithetic: opts.antithetic,
      });
    } finally {
      await session.release();
    }
  }
}
