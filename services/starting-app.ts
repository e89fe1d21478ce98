// The app a process answers with from the moment it listens: /v2/health/live at once, /v2/health/ready false and
// every other route 503 until the composition root (server.ts) has built the real app, then the real app. A service
// that scales to zero is thus live as soon as its port is open, and ready once its models are loaded.
import { Hono } from 'hono';
import { ApiError, onApiError } from '../shared/http/errors.ts';
import { createHealthApp } from './health-app.ts';

export interface StartingApp {
  fetch: (request: Request) => Response | Promise<Response>;
  /** Hands every later request to `app`. */
  started(app: { fetch: (request: Request) => Response | Promise<Response> }): void;
}

export function startingApp(service: string): StartingApp {
  const booting = new Hono();
  booting.onError(onApiError);
  booting.route(
    '/',
    createHealthApp(service, () => false),
  );
  booting.all('*', (c) =>
    c.json(new ApiError(503, `the ${service} service is starting`, null, 'starting').body(), 503, {
      'Retry-After': '1',
    }),
  );
  let current: (request: Request) => Response | Promise<Response> = (request) => booting.fetch(request);
  return {
    fetch: (request) => current(request),
    started(app) {
      current = (request) => app.fetch(request);
    },
  };
}
