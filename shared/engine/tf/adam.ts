// Adam (Kingma & Ba 2015, Algorithm 1) over named tfjs variables:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  θ ← θ − lr·m̂ / (√v̂ + ε),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
import type * as tfc from '@tensorflow/tfjs-core';
import type { TF } from './tf-backend.ts';

export interface AdamConfig {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  lr: number;
  step = 0;
  private readonly m = new Map<string, tfc.Variable>();
  private readonly v = new Map<string, tfc.Variable>();

  constructor(
    private readonly tf: TF,
    cfg: AdamConfig,
  ) {
    this.lr = cfg.lr;
    this.beta1 = cfg.beta1 ?? 0.9;
    this.beta2 = cfg.beta2 ?? 0.999;
    this.eps = cfg.eps ?? 1e-8;
  }

  /** Applies one update to `params` from `grads` (matching names). */
  apply(params: Map<string, tfc.Variable>, grads: Record<string, tfc.Tensor>): void {
    const { tf } = this;
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    // lr·m̂/(√v̂+ε) = (lr/c1)·m / (√v/√c2 + ε)
    const stepSize = this.lr / c1;
    const sqrtC2 = Math.sqrt(c2);
    tf.tidy(() => {
      for (const [name, p] of params) {
        const g = grads[name];
        if (!g) continue;
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(p), false);
          v = tf.variable(tf.zerosLike(p), false);
          this.m.set(name, m);
          this.v.set(name, v);
        }
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtC2), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize)));
      }
    });
  }

  /**
   * Starts from a saved state (e.g. the pretraining optimizer's, when fine-tuning), so the first steps are
   * scaled by a well-estimated second moment instead of the ±lr of a fresh Adam. Moments not given start at 0.
   */
  loadState(params: Map<string, tfc.Variable>, state: Partial<AdamState>): void {
    const { tf } = this;
    this.step = state.step ?? 0;
    for (const [name, p] of params) {
      const m = state.m?.get(name);
      const v = state.v?.get(name);
      this.m.get(name)?.dispose();
      this.v.get(name)?.dispose();
      this.m.set(name, tf.variable(m ? tf.tensor(m, p.shape, 'float32') : tf.zerosLike(p), false));
      this.v.set(name, tf.variable(v ? tf.tensor(v, p.shape, 'float32') : tf.zerosLike(p), false));
    }
  }

  /** The optimizer state as plain arrays (for preconditioning and checkpoints). */
  state(): AdamState {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [k, t] of this.m) m.set(k, t.dataSync() as Float32Array);
    for (const [k, t] of this.v) v.set(k, t.dataSync() as Float32Array);
    return { step: this.step, m, v };
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
