// What every service hands the composition root (services/server.ts): its routes, its readiness, the workers it
// started, and how to stop them. Each services/<name>/mount.ts exports one `mount(context)`; the root loops over
// the services a process runs, mounts them on one Hono app behind one auth middleware and one health sub-app.
import type { Hono } from 'hono';
import type { Database } from '../shared/db/database.ts';
import type { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import type { FamilyResolver } from '../shared/families/registry.ts';
import type { ModelProvider } from '../shared/serving/model-provider.ts';
import type { ModelSource } from '../shared/serving/model-source.ts';
import type { ArtifactStore } from '../shared/store/artifact-store.ts';
import type { ServeConfig } from './serve-config.ts';

export interface MountContext {
  config: ServeConfig;
  store: ArtifactStore;
  /** Opened (and migrated) when the process runs a service that needs it. */
  database?: Database;
  /** The process's one ORT engine, created on first use. */
  engine: () => OrtEngine;
  /** Families to sample with. */
  families: FamilyResolver;
  /** Extra model sources, searched after the registry and the shipped models folder (tests). */
  extraSources: ModelSource[];
  log: (line: string) => void;
}

export interface MountedService {
  /** The service's routes (no health routes, no auth: the root adds those once). */
  app: Hono;
  /** Whether the service can answer yet (the root's /v2/health/ready is the conjunction). */
  ready: () => boolean | Promise<boolean>;
  /** The job workers and loops it started (they end after close). */
  workers: Promise<unknown>[];
  close(): Promise<void>;
  /** The sampler's model provider and the shipped models it registered. */
  models?: ModelProvider;
  registered?: { name: string; tag: string }[];
}

export type MountService = (context: MountContext) => Promise<MountedService>;

/** Runs `start` with a fresh abort signal; `stop` aborts it and waits for what it started. */
export function stoppable(start: (signal: AbortSignal) => Promise<unknown>[]): {
  workers: Promise<unknown>[];
  stop: () => Promise<void>;
} {
  const controller = new AbortController();
  const workers = start(controller.signal);
  return {
    workers,
    stop: async () => {
      controller.abort();
      await Promise.all(workers);
    },
  };
}
