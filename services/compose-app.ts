// The one HTTP front of a process: errors and 404 in the API's shape, URLs without control characters (url-guard),
// bearer auth once for every route, the request guard (same origin, JSON or upload content types, bounded bodies)
// for every mutating one, the one health sub-app (readiness: every mounted service ready), the API's description
// (/openapi.json and the /docs page), then the services' own routes.
import { Hono } from 'hono';
import { bearerAuth, type AuthConfig } from '../shared/http/auth.ts';
import { ApiError, onApiError } from '../shared/http/errors.ts';
import { requestGuard } from '../shared/http/request-guard.ts';
import { urlGuard } from '../shared/http/url-guard.ts';
import { createHealthApp } from './health-app.ts';
import { createApiDocsApp } from './api-docs-app.ts';
import type { MountedService } from './service-mount.ts';

export function composeApp(
  service: string,
  mounted: readonly Pick<MountedService, 'app' | 'ready'>[],
  auth: AuthConfig,
): Hono {
  const root = new Hono();
  root.onError(onApiError);
  root.notFound((c) =>
    c.json(new ApiError(404, `no route ${c.req.method} ${c.req.path}`, null, 'not_found').body(), 404),
  );
  root.use('*', urlGuard());
  root.use('*', bearerAuth(auth));
  root.use('*', requestGuard());
  root.route(
    '/',
    createHealthApp(service, async () => (await Promise.all(mounted.map((m) => m.ready()))).every(Boolean)),
  );
  root.route('/', createApiDocsApp(root, service));
  for (const m of mounted) root.route('/', m.app);
  return root;
}
