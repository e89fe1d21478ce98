// `neon models [NAME] [--json]`: the registry's models — each version with its tag, content hash, lineage (the
// version it was made from, the self-train snapshot, w, the run) and, for a Neon version, its run's report FIDs —
// and the aliases pointing at them; shipped models not registered yet are listed as such.
import { desc, eq } from 'drizzle-orm';
import type { Command } from './command.ts';
import { UsageError, parseFlags } from './flags.ts';
import { hasRegistry, openRegistry } from './model-sources.ts';
import { runs } from '../shared/db/schema.ts';
import type { Db } from '../shared/db/database.ts';
import { listModels, listModelVersions } from '../shared/registry/registry.ts';
import { FolderModelSource } from '../shared/serving/model-source.ts';
import { shippedModelsDir } from '../shared/serving/shipped-models.ts';

const HELP = `usage: neon models [NAME] [--json]

Lists the models in the registry (DATABASE_URL, or $NEON_HOME/db when it exists; this command never creates it):
each version's tag, lineage (base version, snapshot, w, run) and report FIDs, and the aliases (the bare name is the
'default' alias). Shipped models that no 'neon run' or 'neon serve' has registered yet are listed as shipped.`;

export interface VersionView {
  tag: string;
  id: number | null;
  created_at: string;
  content_hash: string;
  aliases: string[];
  lineage: { base: string | null; snapshot: number | null; w: number | null; run: string | null };
  metrics: { fid_report: number; base_fid_report: number; ratio: number; cfg: number } | null;
}

export interface ModelView {
  name: string;
  family: string;
  registered: boolean;
  versions: VersionView[];
  aliases: Record<string, string>;
}

async function registryModels(db: Db): Promise<ModelView[]> {
  const out: ModelView[] = [];
  for (const m of await listModels(db)) {
    const list = await listModelVersions(db, m.name);
    if (!list || list.versions.length === 0) continue;
    const tagOf = new Map(list.versions.map((v) => [v.id, v.tag]));
    const aliasesOf = (id: number) =>
      Object.entries(list.aliases)
        .filter(([, v]) => v === id)
        .map(([a]) => a);
    const versions: VersionView[] = [];
    for (const v of list.versions) {
      let metrics: VersionView['metrics'] = null;
      if (v.runId) {
        const [run] = await db
          .select({ result: runs.result })
          .from(runs)
          .where(eq(runs.id, v.runId))
          .orderBy(desc(runs.createdAt))
          .limit(1);
        const s = (
          run?.result as {
            summary?: { base?: { fid_report?: number }; best?: { fid_report?: number; cfg?: number } };
          } | null
        )?.summary;
        if (s?.best?.fid_report !== undefined && s.base?.fid_report !== undefined) {
          metrics = {
            fid_report: s.best.fid_report,
            base_fid_report: s.base.fid_report,
            ratio: s.best.fid_report / s.base.fid_report,
            cfg: s.best.cfg ?? NaN,
          };
        }
      }
      versions.push({
        tag: v.tag,
        id: v.id,
        created_at: v.createdAt.toISOString(),
        content_hash: v.contentHash,
        aliases: aliasesOf(v.id),
        lineage: {
          base: v.baseVersionId === null ? null : (tagOf.get(v.baseVersionId) ?? String(v.baseVersionId)),
          snapshot: v.snapshot,
          w: v.w,
          run: v.runId,
        },
        metrics,
      });
    }
    const family = (list.versions[list.versions.length - 1].manifest as { family?: string }).family ?? '?';
    out.push({
      name: m.name,
      family,
      registered: true,
      versions,
      aliases: Object.fromEntries(Object.entries(list.aliases).map(([a, id]) => [a, tagOf.get(id) ?? String(id)])),
    });
  }
  return out;
}

async function shippedModels(known: Set<string>): Promise<ModelView[]> {
  const folder = new FolderModelSource(shippedModelsDir());
  const out: ModelView[] = [];
  for (const l of await folder.list()) {
    if (known.has(l.name)) continue;
    const v = (await folder.resolve(l.name))!;
    out.push({
      name: l.name,
      family: v.manifest.family,
      registered: false,
      versions: [
        {
          tag: v.tag,
          id: null,
          created_at: v.createdAt.toISOString(),
          content_hash: v.key,
          aliases: ['default'],
          lineage: { base: null, snapshot: null, w: null, run: null },
          metrics: null,
        },
      ],
      aliases: { default: v.tag },
    });
  }
  return out;
}

function describeVersion(m: ModelView, v: VersionView): string {
  const parts = [`${m.name}@${v.tag}`.padEnd(28), v.created_at.slice(0, 16).replace('T', ' ')];
  if (v.aliases.length > 0) parts.push(`aliases: ${v.aliases.join(', ')}`);
  if (v.lineage.base !== null)
    parts.push(
      `from @${v.lineage.base}${v.lineage.snapshot !== null ? ` snapshot ${v.lineage.snapshot}` : ''}${v.lineage.w !== null ? ` w ${v.lineage.w}` : ''}${v.lineage.run ? ` (run ${v.lineage.run})` : ''}`,
    );
  if (v.metrics)
    parts.push(
      `FID ${v.metrics.base_fid_report.toFixed(2)} → ${v.metrics.fid_report.toFixed(2)} (${v.metrics.ratio.toFixed(3)}×)`,
    );
  return `  ${parts.join('   ')}`;
}

export const modelsCommand: Command = {
  summary: 'list the registry’s models: versions, aliases, lineage and report FIDs',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['json', 'help'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 1) throw new UsageError(`unexpected argument '${flags.positionals[1]}'`);
    const only = flags.positionals[0];
    let models: ModelView[] = [];
    let location: string | null = null;
    if (hasRegistry(process.env)) {
      const database = await openRegistry(process.env);
      try {
        location = database.location;
        models = await registryModels(database.db);
      } finally {
        await database.close();
      }
    }
    models.push(...(await shippedModels(new Set(models.map((m) => m.name)))));
    if (only !== undefined) {
      models = models.filter((m) => m.name === only);
      if (models.length === 0) throw new UsageError(`no model '${only}'`);
    }
    if (flags.booleans.has('json')) {
      console.log(JSON.stringify({ registry: location, models }));
      return 0;
    }
    console.log(
      location ? `registry: ${location}` : 'registry: none yet (neon run or neon serve creates it); shipped models:',
    );
    for (const m of models) {
      console.log(`${m.name} (${m.family}${m.registered ? '' : ', shipped, not registered yet'})`);
      for (const v of m.versions) console.log(describeVersion(m, v));
    }
    return 0;
  },
};
