// Drawing one token from K logits with temperature τ and top-k (Fan et al. 2018): keep the k largest logits
// (k = 0: all), p ∝ exp(ℓ/τ), and invert the CDF at the sample's own uniform u. k = 1 is greedy (argmax, the
// lowest index on ties).

/** The index drawn from `logits` (length K) at uniform u ∈ [0, 1). */
export function drawToken(logits: ArrayLike<number>, temperature: number, topK: number, u: number): number {
  const K = logits.length;
  // the indices by logit, largest first (lowest index first on ties): an insertion sort, K is small
  if (order.length < K) {
    order = new Int32Array(K);
    weights = new Float64Array(K);
  }
  for (let i = 0; i < K; i++) {
    let j = i;
    while (j > 0 && logits[order[j - 1]] < logits[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  const kept = topK > 0 ? Math.min(topK, K) : K;
  if (kept === 1) return order[0];
  const top = logits[order[0]];
  let total = 0;
  for (let j = 0; j < kept; j++) {
    weights[j] = Math.exp((logits[order[j]] - top) / temperature);
    total += weights[j];
  }
  let acc = 0;
  const target = u * total;
  for (let j = 0; j < kept; j++) {
    acc += weights[j];
    if (target < acc) return order[j];
  }
  return order[kept - 1];
}

/** Scratch of drawToken (it runs to completion, so one pair serves every call). */
let order = new Int32Array(0);
let weights = new Float64Array(0);
