// Statistics of a folder of images through a feature extractor: a plain function, for the command line, the fid
// service and (later) statistics jobs. Features stream batch by batch into float64 sufficient statistics.
import { ImageSourceError, PngFolder } from '../image/png-folder.ts';
import type { Shard } from '../image/png-folder.ts';
import { FeatureStats } from '../metrics/feature-stats.ts';
import type { FeatureMatrix } from '../metrics/precision-recall.ts';
import type { FeatureExtractor } from './extractor.ts';
import { preprocess } from './preprocess.ts';

export interface ComputeOptions {
  batchSize?: number;
  shard?: Shard;
  /** also return the features (for precision/recall) */
  keepFeatures?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Refuse images that are symbolic links (folders inside a store). */
  refuseLinks?: boolean;
}

export interface ComputedStatistics {
  stats: FeatureStats;
  files: string[];
  features?: FeatureMatrix;
}

export async function computeFolderStatistics(
  dir: string,
  extractor: FeatureExtractor,
  opts: ComputeOptions = {},
): Promise<ComputedStatistics> {
  const folder = await PngFolder.open(dir, { refuseLinks: opts.refuseLinks });
  const files = folder.select(opts.shard);
  const batchSize = opts.batchSize ?? 64;
  let stats: FeatureStats | null = null;
  const kept: Float32Array[] = [];
  let done = 0;
  for await (const { images } of folder.batches(files, batchSize)) {
    const { input, shape } = preprocess(images, extractor.contract);
    const feats = await extractor.run(input, shape);
    const rows = images.length;
    if (feats.length % rows !== 0)
      throw new Error(`${extractor.name}: returned ${feats.length} values for a batch of ${rows}`);
    const dim = feats.length / rows;
    stats ??= new FeatureStats(dim);
    if (dim !== stats.d) throw new Error(`${extractor.name}: feature dimension changed from ${stats.d} to ${dim}`);
    stats.add(feats, rows);
    if (opts.keepFeatures) kept.push(Float32Array.from(feats));
    done += rows;
    opts.onProgress?.(done, files.length);
  }
  if (!stats) throw new ImageSourceError(`${dir}: the selected shard has no images`);
  stats.finish();
  const out: ComputedStatistics = { stats, files };
  if (opts.keepFeatures) {
    const data = new Float64Array(stats.n * stats.d);
    let o = 0;
    for (const f of kept) {
      data.set(f, o);
      o += f.length;
    }
    out.features = { rows: stats.n, d: stats.d, data };
  }
  return out;
}
