// `neon stats merge S1.npz S2.npz … --out OUT.npz`: merges shard statistics exactly (the sufficient statistics
// n, sum and sum_outer add; mu and sigma are recomputed from them).
import type { Command } from './command.ts';
import { parseFlags, UsageError } from './flags.ts';
import { loadStats, saveStats } from '../shared/metrics/stats-file.ts';
import type { FeatureStats } from '../shared/metrics/feature-stats.ts';

const HELP = `usage: neon stats merge S1.npz S2.npz ... --out OUT.npz [--json]
Merges shard statistics written by 'neon fid A --save-stats OUT.npz --shard i/N'.`;

export async function mergeStatsFiles(paths: string[]): Promise<FeatureStats> {
  let acc: FeatureStats | null = null;
  for (const p of paths) {
    const s = await loadStats(p);
    if (!s.sums)
      throw new UsageError(
        `${p}: has no sufficient statistics (n, sum, sum_outer); only files written by 'neon fid --save-stats' can be merged`,
      );
    if (acc && s.d !== acc.d) throw new UsageError(`${p}: dimension ${s.d} differs from ${paths[0]} (${acc.d})`);
    acc = acc ? acc.merge(s.sums) : s.sums;
  }
  if (!acc) throw new UsageError('nothing to merge');
  return acc;
}

export const statsCommand: Command = {
  summary: 'merge shard statistics exactly (stats merge S1.npz S2.npz … --out OUT.npz)',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['help', 'json'], string: ['out'] });
    const [sub, ...files] = flags.positionals;
    if (flags.booleans.has('help') || sub === undefined) {
      console.log(HELP);
      return sub === undefined && !flags.booleans.has('help') ? 2 : 0;
    }
    if (sub !== 'merge') throw new UsageError(`unknown subcommand '${sub}' (merge)`);
    const out = flags.values.get('out');
    if (!out) throw new UsageError('--out OUT.npz is required');
    if (files.length === 0) throw new UsageError('give the shard files to merge');
    const merged = await mergeStatsFiles(files);
    await saveStats(out, merged);
    if (flags.booleans.has('json'))
      console.log(JSON.stringify({ out, n: merged.n, d: merged.d, shards: files.length }));
    else console.log(`wrote ${out} (n = ${merged.n}, d = ${merged.d}, ${files.length} shards)`);
    return 0;
  },
};
