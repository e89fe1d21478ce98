// Neon's merge (the paper's eq. 3): θneon(w) = (1 + w)·θr − w·θs = θr + w·(θr − θs), tensor by tensor, on
// weights in memory. This is the readable reference of the formula and what the 2-d toy sweeps with; the
// platform's merges (checkpoints, ONNX initializers, every dtype, streaming) go through the merge kernel
// (shared/merge/merge-kernel.ts), which neon-merge.test.ts holds to this reference within one float32 ulp.

export type Weights = Map<string, Float32Array>;

export function neonMerge(base: Weights, self: Weights, w: number): Weights {
  const out: Weights = new Map();
  for (const [name, r] of base) {
    const s = self.get(name);
    if (!s) throw new Error(`neon merge: tensor '${name}' is missing from the self-trained weights`);
    if (s.length !== r.length)
      throw new Error(
        `neon merge: tensor '${name}' has ${r.length} elements in the base and ${s.length} in the self-trained weights`,
      );
    const m = new Float32Array(r.length);
    for (let i = 0; i < r.length; i++) m[i] = r[i] + w * (r[i] - s[i]);
    out.set(name, m);
  }
  for (const name of self.keys())
    if (!base.has(name)) throw new Error(`neon merge: tensor '${name}' is missing from the base weights`);
  return out;
}
