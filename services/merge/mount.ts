// The merge service in a process: the merge API, and (with a database) the worker that runs merge jobs, so a
// merge-only deployment scales out as more workers. Ready while the artifact store's folder is there.
import { stat } from 'node:fs/promises';
import { runWorker } from '../../shared/jobs/worker.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { stoppable, type MountService } from '../service-mount.ts';
import { createMergeApp, mergeJobHandler, MERGE_JOB } from './app.ts';

/** Ready while the artifact store's folder is there. */
export function storeReady(store: ArtifactStore): () => Promise<boolean> {
  return () =>
    stat(store.root).then(
      (s) => s.isDirectory(),
      () => false,
    );
}

export const mount: MountService = async ({ store, database }) => {
  const running = stoppable((signal) =>
    database ? [runWorker({ database, type: MERGE_JOB, handler: mergeJobHandler({ store, database }), signal })] : [],
  );
  return {
    app: createMergeApp({ store, database }),
    ready: storeReady(store),
    workers: running.workers,
    close: running.stop,
  };
};
