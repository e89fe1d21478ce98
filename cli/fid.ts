// `neon fid A B [--json] [--pr] [--extractor NAME|PATH] [--batch-size N]`: the FID between two statistics files
// (.npz), folders of PNG images or dataset names (fmnist:train, fmnist:test).
// `neon fid A --save-stats OUT.npz [--shard i/N | --shards N]`: the statistics of A (or of its i-th of N shards),
// with the sufficient statistics for `neon stats merge`. With --shards N the index comes from JOB_COMPLETION_INDEX
// (a Kubernetes Indexed Job); `{i}` in OUT is replaced by the shard index.
import { existsSync, statSync } from 'node:fs';
import type { Command } from './command.ts';
import { intFlag, parseFlags, UsageError } from './flags.ts';
import { loadStats, saveStats } from '../shared/metrics/stats-file.ts';
import type { LoadedStats } from '../shared/metrics/stats-file.ts';
import { frechetDistance } from '../shared/metrics/frechet-distance.ts';
import type { FeatureMatrix } from '../shared/metrics/precision-recall.ts';
import { StatsFileError } from '../shared/metrics/stats-file.ts';
import { NpzError } from '../shared/npz/npz.ts';
import { FrechetInputError } from '../shared/metrics/frechet-distance.ts';
import type { FeatureExtractor } from '../shared/features/extractor.ts';
import type { Shard } from '../shared/image/png-folder.ts';

// Image folders, datasets and precision/recall are imported when used: two statistics files start only the
// statistics and the distance (start-up is part of `neon fid A.npz B.npz`'s time).
const registry = () => import('../shared/features/registry.ts');

const help = (defaultExtractor: string) => `usage: neon fid A B [--json] [--pr] [--extractor NAME|PATH] [--batch-size N]
       neon fid A --save-stats OUT.npz [--shard i/N | --shards N] [--extractor NAME|PATH] [--batch-size N]

A and B are .npz statistics (mu, sigma), folders of PNG images, or dataset names (fmnist:train, fmnist:test).
  --json             print one JSON object {"fid","n_a","n_b","precision"?,"recall"?} on the last line
  --pr               also improved precision/recall (k = 3); needs two image folders
  --extractor X      feature extractor for image folders: a name (default ${defaultExtractor}) or a .onnx path
  --batch-size N     images per extractor batch (default 64)
  --save-stats OUT   write A's statistics (with n, sum, sum_outer for merging) to OUT.npz
  --shard i/N        only shard i of N (0-based; contiguous ranges of the sorted file names)
  --shards N         shard count; the index i comes from $JOB_COMPLETION_INDEX; '{i}' in OUT becomes i`;

export function parseShard(
  shard: string | undefined,
  shards: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Shard | undefined {
  if (shard !== undefined && shards !== undefined) throw new UsageError('give --shard i/N or --shards N, not both');
  if (shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shard);
    if (!m) throw new UsageError(`--shard must be i/N, got '${shard}'`);
    const index = Number(m[1]),
      count = Number(m[2]);
    if (count < 1 || index >= count) throw new UsageError(`--shard needs 0 ≤ i < N, got '${shard}'`);
    return { index, count };
  }
  if (shards !== undefined) {
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d+$/.test(raw))
      throw new UsageError('--shards needs JOB_COMPLETION_INDEX set to the shard index');
    const index = Number(raw);
    if (index >= shards) throw new UsageError(`JOB_COMPLETION_INDEX=${index} is not below --shards ${shards}`);
    return { index, count: shards };
  }
  return undefined;
}

interface Operand {
  stats: LoadedStats;
  features?: FeatureMatrix;
}

export const fidCommand: Command = {
  summary: 'FID between two statistics files, image folders or datasets; or save the statistics of one',
  async run(argv) {
    const flags = parseFlags(argv, {
      boolean: ['json', 'pr', 'help'],
      string: ['extractor', 'batch-size', 'save-stats', 'shard', 'shards'],
    });
    if (flags.booleans.has('help')) {
      console.log(help((await registry()).DEFAULT_EXTRACTOR));
      return 0;
    }
    const batchSize = intFlag(flags, 'batch-size', { min: 1, max: 4096 }) ?? 64;
    const saveTo = flags.values.get('save-stats');
    const shard = parseShard(flags.values.get('shard'), intFlag(flags, 'shards', { min: 1 }));
    const want = saveTo !== undefined ? 1 : 2;
    if (flags.positionals.length !== want) {
      throw new UsageError(
        saveTo !== undefined
          ? `--save-stats takes one input, got ${flags.positionals.length}`
          : `needs two inputs A B, got ${flags.positionals.length}`,
      );
    }
    if (shard && saveTo === undefined) throw new UsageError('--shard/--shards only apply with --save-stats');
    const pr = flags.booleans.has('pr');
    const json = flags.booleans.has('json');
    let extractor: FeatureExtractor | null = null;
    const getExtractor = async () => {
      const { resolveExtractor, DEFAULT_EXTRACTOR } = await registry();
      return (extractor ??= await resolveExtractor(flags.values.get('extractor') ?? DEFAULT_EXTRACTOR));
    };

    const load = async (ref: string, keepFeatures: boolean): Promise<Operand> => {
      if (existsSync(ref) && statSync(ref).isDirectory()) {
        const ex = await getExtractor();
        const { computeFolderStatistics } = await import('../shared/features/compute-statistics.ts');
        const res = await computeFolderStatistics(ref, ex, {
          batchSize,
          shard,
          keepFeatures,
          onProgress: (done, total) => process.stderr.write(`\r${ref}: ${done}/${total} images`),
        });
        process.stderr.write('\n');
        const g = res.stats.gaussian();
        return { stats: { d: res.stats.d, ...g, n: res.stats.n, sums: res.stats }, features: res.features };
      }
      if (keepFeatures) throw new UsageError(`--pr needs image folders (features), but '${ref}' is not a folder`);
      const { isDatasetName, datasetStatsPath } = await registry();
      // statistics already computed cannot be split: a shard is a range of images
      if (shard)
        throw new UsageError(
          `--shard/--shards need a folder of images, but '${ref}' is ${isDatasetName(ref) ? 'a dataset' : 'a statistics file'} (its images are not here to shard)`,
        );
      if (existsSync(ref)) return { stats: await loadStats(ref) };
      if (isDatasetName(ref)) return { stats: await loadStats(datasetStatsPath(ref).path) };
      throw new UsageError(`'${ref}' is not a file, folder or dataset name`);
    };

    try {
      return await run();
    } catch (err) {
      // bad input (an unknown dataset or extractor, a file that is not statistics or PNG): one line, exit 2
      if (err instanceof StatsFileError || err instanceof NpzError || err instanceof FrechetInputError)
        throw new UsageError(err.message);
      // the error classes of the parts imported on use, imported here only on this path
      const [{ UnavailableError, UnknownExtractorError }, { ImageSourceError }, { PngError }] = await Promise.all([
        registry(),
        import('../shared/image/png-folder.ts'),
        import('../shared/image/png.ts'),
      ]);
      if (
        err instanceof UnavailableError ||
        err instanceof UnknownExtractorError ||
        err instanceof ImageSourceError ||
        err instanceof PngError
      )
        throw new UsageError(err.message);
      throw err;
    } finally {
      await (extractor as FeatureExtractor | null)?.close?.();
    }

    async function run(): Promise<number> {
      if (saveTo !== undefined) {
        const a = await load(flags.positionals[0], false);
        if (!a.stats.sums)
          throw new UsageError(
            `'${flags.positionals[0]}' carries no sufficient statistics to save (give a folder of images)`,
          );
        const out = shard ? saveTo.replaceAll('{i}', String(shard.index)) : saveTo;
        await saveStats(out, a.stats.sums);
        if (json)
          console.log(
            JSON.stringify({ out, n: a.stats.n, d: a.stats.d, shard: shard ? `${shard.index}/${shard.count}` : null }),
          );
        else console.log(`wrote ${out} (n = ${a.stats.n}, d = ${a.stats.d})`);
        return 0;
      }
      const [refA, refB] = flags.positionals;
      const folder = (ref: string) => existsSync(ref) && statSync(ref).isDirectory();
      let a: Operand, b: Operand;
      if (folder(refA) || folder(refB)) {
        a = await load(refA, pr);
        b = await load(refB, pr);
      } else {
        // two statistics files load side by side (each inflates on its own thread); A's error is reported first
        const [ra, rb] = await Promise.allSettled([load(refA, pr), load(refB, pr)]);
        if (ra.status === 'rejected') throw ra.reason;
        if (rb.status === 'rejected') throw rb.reason;
        a = ra.value;
        b = rb.value;
      }
      if (a.stats.d !== b.stats.d)
        throw new UsageError(`dimensions differ: ${refA} has d = ${a.stats.d}, ${refB} has d = ${b.stats.d}`);
      const r = frechetDistance(a.stats, b.stats);
      const out: Record<string, number | null> = { fid: r.fid, n_a: a.stats.n, n_b: b.stats.n };
      if (pr && a.features && b.features) {
        const { precisionRecall } = await import('../shared/metrics/precision-recall.ts');
        Object.assign(out, precisionRecall(a.features, b.features));
      }
      if (json) console.log(JSON.stringify(out));
      else {
        console.log(`FID: ${r.fid}`);
        if (out.precision !== undefined) console.log(`precision: ${out.precision}\nrecall: ${out.recall}`);
      }
      return 0;
    }
  },
};
