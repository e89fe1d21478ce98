// The orchestrator service in a process: the runs API, the web console at / (it calls the sampler's generation
// API, which `all` mounts beside it), and, when enabled, the Neon job workers (synthesis, self-training, trials,
// promotion) with the orchestrator loop. Ready while the database answers.
import { Hono } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { trials } from '../../shared/db/schema.ts';
import { stoppable, type MountService } from '../service-mount.ts';
import { createConsoleApp } from '../console/app.ts';
import { createOrchestratorApp } from './app.ts';

/** Ready while the database answers a query on the run tables. */
export function databaseReady(database: Database): () => Promise<boolean> {
  return () =>
    database.db
      .select({ id: trials.id })
      .from(trials)
      .limit(1)
      .then(
        () => true,
        () => false,
      );
}

export const mount: MountService = async ({ config, store, database, log }) => {
  if (!database) throw new Error('the orchestrator service needs a database');
  const app = new Hono();
  app.route('/', createOrchestratorApp({ database }));
  app.route('/', createConsoleApp({ database }));
  let closeRuntime = async () => {};
  const running = stoppable((signal) => {
    if (!config.orchestrator.workers) return [];
    const started = (async () => {
      const { createNeonRuntime } = await import('./runtime.ts');
      const { startNeon } = await import('./workers.ts');
      const runtime = createNeonRuntime({ store, ortWorkers: 1 });
      closeRuntime = () => runtime.close();
      await startNeon({
        database,
        steps: runtime.steps,
        signal,
        onError: (err) => log(`orchestrator: ${(err as Error).message}`),
      });
    })();
    return [started];
  });
  return {
    app,
    ready: databaseReady(database),
    workers: running.workers,
    close: async () => {
      await running.stop();
      await closeRuntime();
    },
  };
};
