// "Did you mean": the closest of a fixed set of words to a mistyped one (an unknown flag, an unknown body field),
// by edit distance, when it is close enough to be a likely typo.

/** Levenshtein distance (insertions, deletions, substitutions), with a transposition counted as one edit. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const row = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[n];
}

/**
 * The candidate closest to `word` (case-insensitive), or undefined when none is within a third of the word's length
 * (at most 3 edits; a word of one or two letters must match but for case). Ties go to the candidate listed first.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** `" (did you mean 'X'?)"`, or the empty string when nothing is close. */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>, quote = (s: string) => `'${s}'`): string {
  const hit = didYouMean(word, candidates);
  return hit === undefined ? '' : ` (did you mean ${quote(hit)}?)`;
}
