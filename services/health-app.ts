// The Open Inference Protocol v2 health routes, the one definition every process answers with (compose-app.ts):
// `{ live: true, service }`, and `{ ready, service }` with 503 while not ready.
import { Hono } from 'hono';
import { z } from 'zod';
import { onApiError } from '../shared/http/errors.ts';
import { documented } from '../shared/http/route-docs.ts';

const tags = ['health'];
const liveDoc = documented({
  tags,
  summary: 'Liveness (Open Inference Protocol v2)',
  ok: { 200: { description: 'the process answers', schema: z.object({ live: z.literal(true), service: z.string() }) } },
});
const readyDoc = documented({
  tags,
  summary: 'Readiness: every mounted service ready (Open Inference Protocol v2)',
  ok: {
    200: { description: 'ready', schema: z.object({ ready: z.boolean(), service: z.string() }) },
    503: { description: 'not ready yet', schema: z.object({ ready: z.boolean(), service: z.string() }) },
  },
});

export function createHealthApp(service: string, ready: () => boolean | Promise<boolean> = () => true): Hono {
  const app = new Hono();
  app.onError(onApiError);
  app.get('/v2/health/live', liveDoc, (c) => c.json({ live: true, service }));
  app.get('/v2/health/ready', readyDoc, async (c) => {
    const ok = await ready();
    return c.json({ ready: ok, service }, ok ? 200 : 503);
  });
  return app;
}
