// Where the command line finds models: a model folder given by path, the registry, and the shipped models folder.
// The registry is DATABASE_URL when set, else the PGlite database in $NEON_HOME/db when it exists (a `neon run` or
// `neon serve` made it) — opened without migrating and never created here — or when `registry` is asked for.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Database } from '../shared/db/database.ts';
import { neonHome } from '../shared/config/neon-home.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import { isModelDir, modelDirSource } from '../shared/serving/model-dir.ts';
import { FolderModelSource, RegistryModelSource, type ModelSource } from '../shared/serving/model-source.ts';
import { shippedModelsDir } from '../shared/serving/shipped-models.ts';

export interface CliModelSources {
  /** Searched in order: a folder given by path, else the registry (when there is one), then the shipped models. */
  sources: ModelSource[];
  /** The reference to resolve in them (a folder's model name, or the reference as given). */
  ref: string;
  store: ArtifactStore;
  database?: Database;
  close(): Promise<void>;
}

/** Whether there is a registry to read: DATABASE_URL, or an existing PGlite folder in $NEON_HOME. */
export function hasRegistry(env: NodeJS.ProcessEnv): boolean {
  return (env.DATABASE_URL ?? '').trim() !== '' || existsSync(join(neonHome(env), 'db'));
}

/** Opens the registry (DATABASE_URL or $NEON_HOME/db); `create` allows making and migrating a new PGlite database. */
export async function openRegistry(env: NodeJS.ProcessEnv, opts: { create?: boolean } = {}): Promise<Database> {
  const { openDatabase } = await import('../shared/db/database.ts');
  const { databaseConfigFromEnv } = await import('../shared/db/config.ts');
  const config = databaseConfigFromEnv(env);
  if (opts.create && config.dataDir) await mkdir(dirname(config.dataDir), { recursive: true });
  return openDatabase({ ...config, migrate: opts.create === true || config.url !== undefined });
}

export async function cliModelSources(
  ref: string,
  env: NodeJS.ProcessEnv,
  opts: { registry?: boolean } = {},
): Promise<CliModelSources> {
  const store = new ArtifactStore(join(neonHome(env), 'artifacts'));
  if (isModelDir(ref)) {
    const d = await modelDirSource(ref);
    return { sources: [d.source], ref: d.name, store, close: async () => {} };
  }
  const sources: ModelSource[] = [];
  let database: Database | undefined;
  if (opts.registry || hasRegistry(env)) {
    database = await openRegistry(env, { create: opts.registry });
    sources.push(new RegistryModelSource(database.db, store));
  }
  sources.push(new FolderModelSource(shippedModelsDir(env)));
  return { sources, ref, store, database, close: async () => database?.close() };
}
