// Exponential moving average of the parameters (Polyak averaging): θ_ema ← β·θ_ema + (1 − β)·θ,
// with the warm-up β_t = min(β, (1 + t)/(10 + t)) so early steps are not dominated by the initialisation.
import type * as tfc from '@tensorflow/tfjs-core';
import type { TF } from '../engine/tf/tf-backend.ts';

export class Ema {
  private readonly shadow = new Map<string, tfc.Variable>();
  private t = 0;
  constructor(
    private readonly tf: TF,
    params: Map<string, tfc.Variable>,
    readonly beta: number,
  ) {
    for (const [k, p] of params) this.shadow.set(k, tf.variable(p.clone(), false));
  }

  decayAt(t: number): number {
    return Math.min(this.beta, (1 + t) / (10 + t));
  }

  update(params: Map<string, tfc.Variable>): void {
    const b = this.decayAt(this.t++);
    this.tf.tidy(() => {
      for (const [k, p] of params) {
        const e = this.shadow.get(k)!;
        e.assign(this.tf.add(this.tf.mul(e, b), this.tf.mul(p, 1 - b)));
      }
    });
  }

  weights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of this.shadow) out.set(k, v.dataSync() as Float32Array);
    return out;
  }

  dispose(): void {
    for (const v of this.shadow.values()) v.dispose();
  }
}
