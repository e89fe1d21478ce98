// Drawing one token from K logits with temperature τ and top-k (Fan et al. 2018): keep the k largest logits
// (k = 0: all), p ∝ exp(ℓ/τ), and invert the CDF at the sample's own uniform u. k = 1 is greedy (argmax, the
// lowest index on ties).

/** The index drawn from `logits` (length K) at uniform u ∈ [0, 1). */
export function drawToken(logits: ArrayLike<number>, temperature: number, topK: number, u: number): number {
  const K = logits.length;
  const idx = Array.from({ length: K }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const keep = topK > 0 ? idx.slice(0, Math.min(topK, K)) : idx;
  if (keep.length === 1) return keep[0];
  const top = logits[keep[0]];
  const w = keep.map((i) => Math.exp((logits[i] - top) / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  const target = u * total;
  for (let j = 0; j < keep.length; j++) {
    acc += w[j];
    if (target < acc) return keep[j];
  }
  return keep[keep.length - 1];
}
