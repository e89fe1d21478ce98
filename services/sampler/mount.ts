// The sampler service in a process: registers the shipped models, serves the generation API over the model
// provider (registry, shipped folder, extra sources), follows promotions, and runs synthesize jobs when enabled.
// Ready once the shipped models are loaded (a model whose family has no sampler is skipped).
import { runWorker } from '../../shared/jobs/worker.ts';
import { SYNTHESIZE_JOB, synthesizeHandler } from '../../shared/samples/synthesize-job.ts';
import { ModelProvider } from '../../shared/serving/model-provider.ts';
import { FolderModelSource, RegistryModelSource } from '../../shared/serving/model-source.ts';
import { registerShippedModels } from '../../shared/serving/register-shipped.ts';
import { stoppable, type MountService } from '../service-mount.ts';
import { publicBaseUrl } from '../serve-config.ts';
import { createSamplerApp } from './app.ts';
import { watchPromotions } from './promotion-watch.ts';

export const mount: MountService = async ({ config, store, database, engine, families, extraSources, log }) => {
  if (!database) throw new Error('the sampler service needs a database');
  const registered: { name: string; tag: string }[] = [];
  for (const r of await registerShippedModels(database.db, store, config.modelsDir, (f, why) =>
    log(`models/${f} skipped: ${why}`),
  )) {
    registered.push({ name: r.name, tag: r.tag });
    log(`model ${r.name}@${r.tag}${r.created ? ' registered' : ''}`);
  }
  const models = new ModelProvider({
    engine: engine(),
    sources: [new RegistryModelSource(database.db, store), new FolderModelSource(config.modelsDir), ...extraSources],
    families,
    resolveTtlMs: config.sampler.resolveTtlMs,
  });
  let loaded = false;
  const preload = (async () => {
    for (const r of registered) {
      await models.get(r.name).then(
        () => log(`model ${r.name} loaded`),
        (err) => log(`model ${r.name} not served: ${(err as Error).message}`),
      );
    }
    loaded = true;
  })();
  const app = createSamplerApp({
    models,
    store,
    publicUrl: publicBaseUrl(config),
    limits: { maxActive: config.sampler.maxActive, maxQueue: config.sampler.maxQueue, maxN: config.sampler.maxN },
  });
  const running = stoppable((signal) => [
    preload,
    watchPromotions(database, models, signal, log).catch((err) =>
      log(`promotion watch stopped: ${(err as Error).message}`),
    ),
    ...(config.sampler.jobs
      ? [
          runWorker({
            database,
            type: SYNTHESIZE_JOB,
            handler: synthesizeHandler({ models, store, db: database.db }),
            signal,
          }),
        ]
      : []),
  ]);
  return { app, ready: () => loaded, workers: running.workers, close: running.stop, models, registered };
};
