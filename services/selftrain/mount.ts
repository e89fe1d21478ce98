// The self-training service in a process: its jobs run in the orchestrator's Neon workers (the self-training step
// of services/orchestrator/family-steps.ts), so on its own it has no routes yet and answers health only.
import { Hono } from 'hono';
import type { MountService } from '../service-mount.ts';

export const mount: MountService = async () => ({
  app: new Hono(),
  ready: () => true,
  workers: [],
  close: async () => {},
});
