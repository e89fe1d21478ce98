// The autoregressive toy as the official notebook builds it: p(x) = N(x₁ | μ₁, σ₁²)·N(x₂ | μ₂(x₁), σ₂(x₁)²).
// One MLP (2 hidden ReLU layers of 64 units) maps a context c ∈ ℝ² to (μ, log σ): c = (0, 0) for x₁ (so μ₁, σ₁ are
// in effect free parameters) and c = (x₁, 1) for x₂ given x₁. Training minimises the negative log-likelihood with
// log σ clamped to [−6, 3]; sampling at temperature τ scales every standard deviation, x = μ + τ·σ·ε, so τ < 1 is
// mode-seeking and τ > 1 diversity-seeking. Fitted on few points (the notebook's 100), the conditional head
// explains part of x₂'s noise by its mean, so θr is under-dispersed — the regime where the paper's AR figure lives.
import type * as tfc from '@tensorflow/tfjs-core';
import { buildMlp } from '../networks/toy-mlp.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { sampleRng, type Rng } from '../random/prng.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { f32 } from '../engine/tensor.ts';
import type { Weights } from '../neon/neon-merge.ts';
import type { ToyFamily, ToyNetwork } from './toy-network.ts';

const LOG_STD_MIN = -6;
const LOG_STD_MAX = 3;

export class GaussianArToy implements ToyFamily {
  readonly name = 'ar';
  readonly model: ModelProto;

  constructor(seed: number) {
    this.model = buildMlp('toy-ar-gaussian-mlp', {
      inputs: [{ name: 'c', width: 2 }],
      hidden: 64,
      blocks: 2,
      outputs: 2,
      seed,
    });
  }

  /** Mean over rows of −log p(x₁) − log p(x₂ | x₁), without the constant log 2π. */
  loss(tf: TF, net: ToyNetwork, rows: Float32Array, _rng: Rng): tfc.Scalar {
    const n = rows.length / 2;
    const ctx = new Float32Array(4 * n);
    const x = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = rows[2 * i];
      x[2 * i + 1] = rows[2 * i + 1];
      ctx[4 * i + 2] = rows[2 * i];
      ctx[4 * i + 3] = 1;
    }
    return tf.tidy(() => {
      const out = net.graph.run({ c: tf.tensor2d(ctx, [2 * n, 2]) })[net.graph.outputNames[0]];
      const [mu, rawLogStd] = tf.split(out, 2, 1);
      const logStd = tf.clipByValue(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
      const z = tf.div(tf.sub(tf.tensor2d(x, [2 * n, 1]), mu), tf.exp(logStd));
      const nll = tf.add(tf.mul(0.5, tf.square(z)), logStd);
      // two coordinates per row: the mean over rows of their sum
      return tf.mul(2, tf.mean(nll)) as tfc.Scalar;
    });
  }

  /**
   * n samples at temperature τ (sample i from seed's stream i). `antithetic`: samples 2k and 2k+1 share stream k,
   * the odd one with every normal draw ε replaced by −ε.
   */
  async sample(
    net: ToyNetwork,
    weights: Weights,
    n: number,
    tau: number,
    seed: number,
    opts: { antithetic?: boolean } = {},
  ): Promise<Float32Array> {
    const session = await net.session(weights);
    const rngs = Array.from({ length: n }, (_, i) => sampleRng(seed, opts.antithetic ? Math.floor(i / 2) : i));
    const eps = (i: number) => (opts.antithetic && i % 2 === 1 ? -rngs[i].normal() : rngs[i].normal());
    const out = new Float32Array(2 * n);
    const ctx = new Float32Array(2 * n);
    try {
      for (let pos = 0; pos < 2; pos++) {
        const res = await session.run({ c: f32(ctx, [n, 2]) });
        const y = res[session.outputNames[0]].data as Float32Array;
        for (let i = 0; i < n; i++) {
          const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, y[2 * i + 1]));
          const v = y[2 * i] + tau * Math.exp(logStd) * eps(i);
          out[2 * i + pos] = v;
          if (pos === 0) {
            ctx[2 * i] = v;
            ctx[2 * i + 1] = 1;
          }
        }
      }
    } finally {
      await session.release();
    }
    return out;
  }
}
