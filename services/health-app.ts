// The Open Inference Protocol v2 health routes, the one definition every process answers with (compose-app.ts):
// `{ live: true, service }`, and `{ ready, service }` with 503 while not ready.
import { Hono } from 'hono';
import { onApiError } from '../shared/http/errors.ts';

export function createHealthApp(service: string, ready: () => boolean | Promise<boolean> = () => true): Hono {
  const app = new Hono();
  app.onError(onApiError);
  app.get('/v2/health/live', (c) => c.json({ live: true, service }));
  app.get('/v2/health/ready', async (c) => {
    const ok = await ready();
    return c.json({ ready: ok, service }, ok ? 200 : 503);
  });
  return app;
}
