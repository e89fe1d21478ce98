// The composition root of a `neon serve` process: builds the artifact store, the database (migrated; PGlite in
// $NEON_HOME/db unless DATABASE_URL is set), the ORT engine and the model provider as the chosen service needs them,
// registers the shipped models, and mounts the service's app (or every app, for `all`) on one Hono server behind the
// bearer-token middleware. Every service answers /v2/health/live and /v2/health/ready.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { bearerAuth, authConfigFromEnv } from '../shared/http/auth.ts';
import { ApiError, onApiError } from '../shared/http/errors.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import type { Database } from '../shared/db/database.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { builtinFamilies, type FamilyResolver } from '../shared/families/registry.ts';
import { ModelProvider } from '../shared/serving/model-provider.ts';
import { FolderModelSource, RegistryModelSource, type ModelSource } from '../shared/serving/model-source.ts';
import { registerShippedModels } from '../shared/serving/register-shipped.ts';
import { runWorker } from '../shared/jobs/worker.ts';
import { SYNTHESIZE_JOB, synthesizeHandler } from '../shared/samples/synthesize-job.ts';
import { createSamplerApp } from './sampler/app.ts';
import { createMergeApp, mergeJobHandler, MERGE_JOB } from './merge/app.ts';
import { createFidApp } from './fid/app.ts';
import { createHealthApp } from './health-app.ts';
import { watchPromotions } from './sampler/promotion-watch.ts';
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

const NEEDS_DB: readonly ServiceName[] = ['sampler', 'selftrain', 'merge', 'orchestrator', 'all'];

export async function createServer(config: ServeConfig, opts: ServerOptions = {}): Promise<Server> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const has = (s: ServiceName) => config.service === s || config.service === 'all';
  const store = new ArtifactStore(join(config.home, 'artifacts'));
  await mkdir(store.root, { recursive: true });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => log(`close: ${(err as Error).message}`));
  };
  try {
    let database: Database | undefined;
    if (NEEDS_DB.includes(config.service)) {
      const { openDatabase } = await import('../shared/db/database.ts');
      const { databaseConfigFromEnv } = await import('../shared/db/config.ts');
      database = await openDatabase(databaseConfigFromEnv(config.env));
      closers.push(() => database!.close());
      log(`database: ${database.location}`);
    }
    const registered: { name: string; tag: string }[] = [];
    let engine: OrtEngine | undefined;
    let models: ModelProvider | undefined;
    const apps: Hono[] = [];
    const readiness: (() => boolean | Promise<boolean>)[] = [];

    if (has('sampler')) {
      for (const r of await registerShippedModels(database!.db, store, config.modelsDir, (f, why) => log(`models/${f} skipped: ${why}`))) {
        registered.push({ name: r.name, tag: r.tag });
        log(`model ${r.name}@${r.tag}${r.created ? ' registered' : ''}`);
      }
      engine = new OrtEngine({ workers: config.ort.workers, threadsPerSession: config.ort.threads, provider: config.ort.provider, spinning: config.ort.spinning });
      closers.push(() => engine!.close());
      models = new ModelProvider({
        engine,
        sources: [new RegistryModelSource(database!.db, store), new FolderModelSource(config.modelsDir), ...(opts.extraSources ?? [])],
        families: opts.families ?? builtinFamilies,
        resolveTtlMs: config.sampler.resolveTtlMs,
      });
      // load the shipped models before answering ready (a model whose family has no sampler is skipped)
      let loaded = false;
      const provider = models;
      const preload = (async () => {
        for (const r of registered) {
          await provider.get(r.name).then(
            () => log(`model ${r.name} loaded`),
            (err) => log(`model ${r.name} not served: ${(err as Error).message}`),
          );
        }
        loaded = true;
      })();
      closers.push(() => preload);
      const samplerReady = () => loaded;
      readiness.push(samplerReady);
      apps.push(createSamplerApp({ models, store, ready: samplerReady, limits: { maxActive: config.sampler.maxActive, maxQueue: config.sampler.maxQueue, maxN: config.sampler.maxN } }));
      const watchStop = new AbortController();
      const watching = watchPromotions(database!, models, watchStop.signal, log).catch((err) => log(`promotion watch stopped: ${(err as Error).message}`));
      closers.push(async () => {
        watchStop.abort();
        await watching;
      });
      if (config.sampler.jobs) {
        const stop = new AbortController();
        const worker = runWorker({ database: database!, type: SYNTHESIZE_JOB, handler: synthesizeHandler({ models, store, db: database!.db }), signal: stop.signal });
        closers.push(async () => {
          stop.abort();
          await worker;
        });
      }
    }
    if (has('merge')) {
      apps.push(createMergeApp({ store, database }));
      if (database) {
        // merges are jobs: this process runs them (a merge-only service scales out as more workers)
        const stop = new AbortController();
        const worker = runWorker({ database, type: MERGE_JOB, handler: mergeJobHandler({ store, database }), signal: stop.signal });
        closers.push(async () => {
          stop.abort();
          await worker;
        });
      }
    }
    if (has('fid')) apps.push(createFidApp({ store }));
    if (has('orchestrator')) {
      const { createOrchestratorApp } = await import('./orchestrator/app.ts');
      apps.push(createOrchestratorApp({ database: database!, auth: authConfigFromEnv(config.env) }));
      // the web console at / (it calls the sampler's generation API, which `all` mounts beside it)
      const { createConsoleApp } = await import('./console/app.ts');
      apps.push(createConsoleApp({ database: database! }));
      if (config.orchestrator.workers) {
        // the Neon job workers (synthesis, self-training, trials, promotion) and the orchestrator loop
        const { createNeonRuntime } = await import('./orchestrator/runtime.ts');
        const { startNeon } = await import('./orchestrator/workers.ts');
        const runtime = createNeonRuntime({ store, ortWorkers: 1 });
        const stop = new AbortController();
        const running = startNeon({ database: database!, steps: runtime.steps, signal: stop.signal, onError: (err) => log(`orchestrator: ${(err as Error).message}`) });
        closers.push(async () => {
          stop.abort();
          await running;
          await runtime.close();
        });
      }
    }
    // The self-training service mounts its app here (createSelftrainApp from services/selftrain/app.ts, with
    // { database, store }); until then it answers health only (its jobs run in the orchestrator's workers).
    if (has('selftrain')) apps.push(createHealthApp('selftrain'));

    const root = new Hono();
    root.onError(onApiError);
    root.notFound((c) => c.json(new ApiError(404, `no route ${c.req.method} ${c.req.path}`, null, 'not_found').body(), 404));
    root.use('*', bearerAuth(authConfigFromEnv(config.env)));
    // health first, so `all` answers for every part at once
    root.route('/', createHealthApp(config.service, async () => (await Promise.all(readiness.map((r) => r()))).every(Boolean)));
    for (const a of apps) root.route('/', a);
    return { app: root, config, store, database, engine, models, registered, close };
  } catch (err) {
    await close();
    throw err;
  }
}
