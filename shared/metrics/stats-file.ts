// Statistics files: .npz with `mu` (d) and `sigma` (d×d) as pytorch-fid and EDM's fid-refs write them; our shard
// files add the sufficient statistics `n` (int64 scalar), `sum` (d) and `sum_outer` (d×d) so that shards merge exactly.
import { readFile, writeFile } from 'node:fs/promises';
import { parseNpz, parseNpzAsync, serializeNpz } from '../npz/npz.ts';
import { toFloat64 } from '../npz/npy.ts';
import type { NdArray } from '../npz/npy.ts';
import { FeatureStats } from './feature-stats.ts';
import type { Gaussian } from './frechet-distance.ts';

export class StatsFileError extends Error {
  override name = 'StatsFileError';
}

export interface LoadedStats extends Gaussian {
  d: number;
  /** Number of feature vectors, when the file records it. */
  n: number | null;
  /** The sufficient statistics, when the file carries them (our shard files). */
  sums: FeatureStats | null;
}

function shapeText(a: NdArray): string {
  return `(${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''})`;
}

function finite(what: string, name: string, x: Float64Array, cols: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      const at = cols > 1 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
      throw new StatsFileError(`${what}: ${name} contains a non-finite value (${x[i]} at ${at})`);
    }
  }
}

/** Validates and converts the arrays of a statistics file. `what` names the file in every error. */
export function statsFromArrays(arrays: Map<string, NdArray>, what: string): LoadedStats {
  const mu = arrays.get('mu');
  const sigma = arrays.get('sigma');
  if (!mu || !sigma)
    throw new StatsFileError(
      `${what}: not a statistics file (needs arrays 'mu' and 'sigma'; has ${[...arrays.keys()].map((k) => `'${k}'`).join(', ') || 'none'})`,
    );
  if (mu.shape.length !== 1) throw new StatsFileError(`${what}: mu must be a vector, got shape ${shapeText(mu)}`);
  const d = mu.shape[0];
  if (d < 1) throw new StatsFileError(`${what}: mu is empty (d = 0)`);
  if (sigma.shape.length !== 2 || sigma.shape[0] !== sigma.shape[1])
    throw new StatsFileError(`${what}: sigma must be square, got shape ${shapeText(sigma)}`);
  if (sigma.shape[0] !== d)
    throw new StatsFileError(`${what}: sigma is ${sigma.shape[0]}×${sigma.shape[1]} but mu has ${d} entries`);
  const m = toFloat64(mu);
  const s = toFloat64(sigma);
  const nArr = arrays.get('n');
  if (nArr && nArr.data.length !== 1)
    throw new StatsFileError(`${what}: n must be one number, got shape ${shapeText(nArr)}`);
  let n: number | null = nArr ? Number(nArr.data[0]) : null;
  if (n !== null && !(Number.isSafeInteger(n) && n >= 0))
    throw new StatsFileError(`${what}: n must be a count (a non-negative integer), got ${n}`);
  // a shard of fewer than two vectors has no covariance yet (NaN, as np.cov); its sums still merge
  if (n === null || n >= 2) {
    finite(what, 'mu', m, 1);
    finite(what, 'sigma', s, d);
  }
  let sums: FeatureStats | null = null;
  if (nArr) {
    n = Number(nArr.data[0]);
    const sum = arrays.get('sum');
    const outer = arrays.get('sum_outer');
    if (sum && outer) {
      if (sum.shape.length !== 1 || sum.shape[0] !== d)
        throw new StatsFileError(`${what}: sum must have shape (${d},), got ${shapeText(sum)}`);
      if (outer.shape.length !== 2 || outer.shape[0] !== d || outer.shape[1] !== d)
        throw new StatsFileError(`${what}: sum_outer must have shape (${d}, ${d}), got ${shapeText(outer)}`);
      const sv = toFloat64(sum);
      const ov = toFloat64(outer);
      finite(what, 'sum', sv, 1);
      finite(what, 'sum_outer', ov, d);
      sums = FeatureStats.fromSums(n, sv, ov);
    }
  }
  return { d, mu: m, sigma: s, n, sums };
}

/** Statistics of up to 8,192 features fit: μ and Σ (and the sums) in float64 take 1.07 GB at d = 8192. */
export const MAX_STATS_BYTES = 1.2e9;

export function parseStats(bytes: Uint8Array, what: string, maxBytes = MAX_STATS_BYTES): LoadedStats {
  return statsFromArrays(parseNpz(bytes, what, { maxBytes }), what);
}

export async function loadStats(path: string): Promise<LoadedStats> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new StatsFileError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // inflated off the event loop: two files load side by side (and beside other work) on two cores
  return statsFromArrays(await parseNpzAsync(bytes, path, { maxBytes: MAX_STATS_BYTES }), path);
}

/** The .npz bytes of a statistics file: mu, sigma and the sufficient statistics n, sum, sum_outer. */
export function serializeStats(stats: FeatureStats): Uint8Array {
  const { mu, sigma } = stats.gaussian();
  const d = stats.d;
  return serializeNpz({
    mu: { shape: [d], data: mu },
    sigma: { shape: [d, d], data: sigma },
    n: { shape: [], data: BigInt64Array.of(BigInt(stats.n)) },
    sum: { shape: [d], data: stats.sum },
    sum_outer: { shape: [d, d], data: stats.sumOuter },
  });
}

export async function saveStats(path: string, stats: FeatureStats): Promise<void> {
  await writeFile(path, serializeStats(stats));
}
