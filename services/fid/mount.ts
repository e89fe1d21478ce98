// The fid service in a process: FID and statistics over the artifact store; no workers, always ready.
import type { MountService } from '../service-mount.ts';
import { createFidApp } from './app.ts';

export const mount: MountService = async ({ store }) => ({
  app: createFidApp({ store }),
  ready: () => true,
  workers: [],
  close: async () => {},
});
