// Retry delay after a failed attempt: exponential, base·2^(attempt−1), capped.

/** The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const a = Math.max(1, Math.floor(attempt));
  return Math.min(maxMs, baseMs * 2 ** (a - 1));
}
