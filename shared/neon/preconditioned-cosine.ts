// The Adam-preconditioned cosine between two gradients (the paper's alignment measure):
//   cos_P(g_r, g_s) = ⟨g_r, P g_s⟩ / (‖g_r‖_P ‖g_s‖_P),  P = diag(1 / (√v̂ + ε)),
// where v̂ is Adam's bias-corrected second moment. Adam moves by −η·P·g, so the first-order change of the
// real loss under a self-training step is −η·⟨g_r, P g_s⟩: a negative cosine means self-training on the
// synthetic set moves away from the real data, and reversing it (Neon, w > 0) moves toward it.
import type { Weights } from './neon-merge.ts';

export function preconditionedCosine(gReal: Weights, gSyn: Weights, vHat: Weights, eps = 1e-8): number {
  let rs = 0;
  let rr = 0;
  let ss = 0;
  for (const [name, r] of gReal) {
    const s = gSyn.get(name);
    const v = vHat.get(name);
    if (!s || !v) throw new Error(`preconditioned cosine: tensor '${name}' is missing`);
    for (let i = 0; i < r.length; i++) {
      const p = 1 / (Math.sqrt(v[i]) + eps);
      rs += r[i] * p * s[i];
      rr += r[i] * p * r[i];
      ss += s[i] * p * s[i];
    }
  }
  return rs / Math.sqrt(rr * ss);
}
