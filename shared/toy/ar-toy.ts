// The autoregressive toy: p(x) = p(x₁)·p(x₂ | x₁) over coordinates quantized into K bins on [−L, L].
// One MLP (the paper's 4 hidden ReLU blocks of 32 units) maps a context c ∈ ℝ² to K logits: c = (0, 0) for x₁,
// c = (x̄₁/2, 1) for x₂ given the bin centre x̄₁. Training minimises cross-entropy; sampling draws each token from
// softmax(logits/τ), where τ < 1 is mode-seeking; a token becomes a value by a uniform draw inside its bin.
import type * as tfc from '@tensorflow/tfjs-core';
import { buildMlp } from '../networks/toy-mlp.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { sampleRng, type Rng } from '../random/prng.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { f32 } from '../engine/tensor.ts';
import type { Weights } from '../neon/neon-merge.ts';
import type { ToyFamily, ToyNetwork } from './toy-network.ts';

export interface ArToyConfig {
  bins: number;
  range: number;
}

export const AR_TOY_DEFAULTS: ArToyConfig = { bins: 32, range: 5 };

export class ArToy implements ToyFamily {
  readonly name = 'ar';
  readonly model: ModelProto;
  readonly width: number;

  constructor(
    readonly config: ArToyConfig,
    seed: number,
  ) {
    this.width = (2 * config.range) / config.bins;
    this.model = buildMlp('toy-ar-mlp', {
      inputs: [{ name: 'c', width: 2 }],
      hidden: 32,
      blocks: 4,
      outputs: config.bins,
      seed,
    });
  }

  token(v: number): number {
    return Math.min(this.config.bins - 1, Math.max(0, Math.floor((v + this.config.range) / this.width)));
  }

  centre(k: number): number {
    return -this.config.range + (k + 0.5) * this.width;
  }

  /** Mean cross-entropy of both tokens of each row. */
  loss(tf: TF, net: ToyNetwork, rows: Float32Array, _rng: Rng): tfc.Scalar {
    const n = rows.length / 2;
    const ctx = new Float32Array(4 * n);
    const labels = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k1 = this.token(rows[2 * i]);
      labels[2 * i] = k1;
      labels[2 * i + 1] = this.token(rows[2 * i + 1]);
      ctx[4 * i + 2] = this.centre(k1) / 2;
      ctx[4 * i + 3] = 1;
    }
    return tf.tidy(() => {
      const logits = net.graph.run({ c: tf.tensor2d(ctx, [2 * n, 2]) })[net.graph.outputNames[0]];
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), this.config.bins);
      return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tfc.Scalar;
    });
  }

  /**
   * n samples at temperature τ (sample i from seed's stream i). `antithetic`: samples 2k and 2k+1 share stream k,
   * the odd one with every uniform u replaced by 1 − u.
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
    const K = this.config.bins;
    const rngs = Array.from({ length: n }, (_, i) => sampleRng(seed, opts.antithetic ? Math.floor(i / 2) : i));
    const u = (i: number) => (opts.antithetic && i % 2 === 1 ? 1 - rngs[i].uniform() : rngs[i].uniform());
    const out = new Float32Array(2 * n);
    const ctx = new Float32Array(2 * n);
    try {
      for (let pos = 0; pos < 2; pos++) {
        const res = await session.run({ c: f32(ctx, [n, 2]) });
        const logits = res[session.outputNames[0]].data as Float32Array;
        const p = new Float64Array(K);
        for (let i = 0; i < n; i++) {
          const k = drawToken(logits, i * K, K, tau, u(i), p);
          out[2 * i + pos] = this.centre(k) + (u(i) - 0.5) * this.width;
          if (pos === 0) {
            ctx[2 * i] = this.centre(k) / 2;
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

/** Draws a token from softmax(logits/τ) with a uniform u ∈ [0, 1); `p` is scratch space of length K. */
export function drawToken(
  logits: Float32Array,
  off: number,
  K: number,
  tau: number,
  u: number,
  p: Float64Array,
): number {
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, logits[off + k] / tau);
  let z = 0;
  for (let k = 0; k < K; k++) {
    p[k] = Math.exp(logits[off + k] / tau - max);
    z += p[k];
  }
  let acc = 0;
  const target = u * z;
  for (let k = 0; k < K; k++) {
    acc += p[k];
    if (target < acc) return k;
  }
  return K - 1;
}
