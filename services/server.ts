// The composition root of a `neon serve` process: builds the artifact store, the database (migrated; PGlite in
// $NEON_HOME/db unless DATABASE_URL is set) and the ORT engine as the chosen services need them, then mounts each
// service (services/<name>/mount.ts: routes, readiness, workers) for the one chosen, or every one for `all`, on
// one Hono app behind one bearer-token middleware and one health sub-app (compose-app.ts).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { authConfigFromEnv } from '../shared/http/auth.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import type { Database } from '../shared/db/database.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { builtinFamilies, type FamilyResolver } from '../shared/families/registry.ts';
import type { ModelProvider } from '../shared/serving/model-provider.ts';
import type { ModelSource } from '../shared/serving/model-source.ts';
import { composeApp } from './compose-app.ts';
import type { MountedService, MountService } from './service-mount.ts';
import type { ServeConfig, ServiceName } from './serve-config.ts';

export interface Server {
  app: Hono;
  config: ServeConfig;
  store: ArtifactStore;
  database?: Database;
  engine?: OrtEngine;
  models?: ModelProvider;
  /** Shipped models registered at start. */
  registered: { name: string; tag: string }[];
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Families to sample with (default: the project's own). */
  families?: FamilyResolver;
  /** Extra model sources, searched after the registry and the shipped models folder (tests). */
  extraSources?: ModelSource[];
  log?: (line: string) => void;
}

type OneService = Exclude<ServiceName, 'all'>;

/**
 * The services in mounting order (health and routes are matched in this order), whether each needs the database,
 * whether its ORT workers start with the process (they load onnxruntime while the database opens: the sampler's
 * ready and first image come sooner), and where each one's mount is.
 */
const SERVICES: readonly {
  name: OneService;
  database: boolean;
  engineAtStart?: boolean;
  load: () => Promise<MountService>;
}[] = [
  {
    name: 'sampler',
    database: true,
    engineAtStart: true,
    load: async () => (await import('./sampler/mount.ts')).mount,
  },
  { name: 'merge', database: true, load: async () => (await import('./merge/mount.ts')).mount },
  { name: 'fid', database: false, load: async () => (await import('./fid/mount.ts')).mount },
  { name: 'orchestrator', database: true, load: async () => (await import('./orchestrator/mount.ts')).mount },
  { name: 'selftrain', database: true, load: async () => (await import('./selftrain/mount.ts')).mount },
];

export async function createServer(config: ServeConfig, opts: ServerOptions = {}): Promise<Server> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const chosen = SERVICES.filter((s) => config.service === s.name || config.service === 'all');
  const store = new ArtifactStore(join(config.home, 'artifacts'));
  await mkdir(store.root, { recursive: true });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => log(`close: ${(err as Error).message}`));
  };
  try {
    let engine: OrtEngine | undefined;
    const getEngine = () => {
      if (!engine) {
        engine = new OrtEngine({
          workers: config.ort.workers,
          threadsPerSession: config.ort.threads,
          provider: config.ort.provider,
          spinning: config.ort.spinning,
        });
        const e = engine;
        closers.push(() => e.close());
      }
      return engine;
    };
    if (chosen.some((s) => s.engineAtStart)) getEngine();
    let database: Database | undefined;
    if (chosen.some((s) => s.database)) {
      const { openDatabase } = await import('../shared/db/database.ts');
      const { databaseConfigFromEnv } = await import('../shared/db/config.ts');
      database = await openDatabase(databaseConfigFromEnv(config.env));
      closers.push(() => database!.close());
      log(`database: ${database.location}`);
    }
    const context = {
      config,
      store,
      database,
      engine: getEngine,
      families: opts.families ?? builtinFamilies,
      extraSources: opts.extraSources ?? [],
      log,
    };
    const mounted: MountedService[] = [];
    for (const s of chosen) {
      const m = await (await s.load())(context);
      mounted.push(m);
      closers.push(() => m.close());
    }
    const app = composeApp(config.service, mounted, authConfigFromEnv(config.env));
    const sampler = mounted.find((m) => m.models);
    return {
      app,
      config,
      store,
      database,
      engine,
      models: sampler?.models,
      registered: sampler?.registered ?? [],
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
