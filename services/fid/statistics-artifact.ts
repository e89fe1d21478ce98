// Statistics as artifacts: validate-and-store an uploaded .npz, or compute one from a folder of PNG images inside
// the store. Plain functions, so that statistics jobs (the job queue) call the same code as the HTTP routes.
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import type { ArtifactManifest } from '../../shared/store/artifact-store.ts';
import { parseStats, serializeStats } from '../../shared/metrics/stats-file.ts';
import { computeFolderStatistics } from '../../shared/features/compute-statistics.ts';
import type { FeatureExtractor } from '../../shared/features/extractor.ts';
import type { Shard } from '../../shared/image/png-folder.ts';

export const STATS_KIND = 'fid-stats';

/** Stores uploaded statistics after checking them (mu, sigma square, finite). `what` names the upload in errors. */
export async function storeStatisticsBytes(
  store: ArtifactStore,
  bytes: Uint8Array,
  what: string,
): Promise<ArtifactManifest> {
  const s = parseStats(bytes, what);
  return store.put(bytes, STATS_KIND, { source: 'upload', d: s.d, n: s.n });
}

export interface ComputeStatisticsJob {
  /** a folder of PNG images, as an artifact-store path */
  folder: string;
  extractor: FeatureExtractor;
  batchSize?: number;
  shard?: Shard;
}

/** Computes the statistics of a folder inside the store and stores them (with n, sum, sum_outer). */
export async function computeStatisticsArtifact(
  store: ArtifactStore,
  job: ComputeStatisticsJob,
): Promise<ArtifactManifest> {
  const dir = store.resolveRef(job.folder);
  const { stats, files } = await computeFolderStatistics(dir, job.extractor, {
    batchSize: job.batchSize,
    shard: job.shard,
    refuseLinks: true,
  });
  return store.put(serializeStats(stats), STATS_KIND, {
    source: 'folder',
    folder: job.folder,
    extractor: job.extractor.name,
    contract: job.extractor.contract,
    shard: job.shard ? `${job.shard.index}/${job.shard.count}` : null,
    images: files.length,
    d: stats.d,
    n: stats.n,
  });
}
