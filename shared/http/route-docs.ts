// How a route describes itself in the OpenAPI document (services/openapi-document.ts builds it with hono-openapi):
// `describeRoute(routeDoc({...}))` beside the route, with the zod schema the route validates its body with, the
// schema of its answer, and the errors it can answer with. Every error response has the one shape of errors.ts.
import { describeRoute, resolver } from 'hono-openapi';
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';

/** Where the shared error schema sits in the document. */
export const API_ERROR_REF = '#/components/schemas/ApiError';

/** What each error status means on this API (the route names its own reasons). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** The schema the route validates its JSON body with. */
  body?: z.ZodType;
  /** Extra request media types (e.g. an octet-stream upload). */
  uploads?: Record<string, { description: string }>;
  /** Success responses: status → description and, for JSON, its schema. */
  ok: Record<number, { description: string; schema?: z.ZodType; mediaType?: string }>;
  /** Route-specific errors: status → when. */
  errors?: Partial<Record<ErrorStatus, string>>;
  /** Query parameters (name → description), all optional. */
  query?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

/** An error response in the API's one error shape. */
export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: API_ERROR_REF } } } };
}

/** The route's OpenAPI operation, for `describeRoute`. */
export function routeDoc(doc: RouteDoc): Parameters<typeof describeRoute>[0] {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.ok)) {
    responses[status] = r.schema
      ? { description: r.description, content: { [r.mediaType ?? 'application/json']: { schema: resolver(r.schema) } } }
      : r.mediaType
        ? { description: r.description, content: { [r.mediaType]: { schema: { type: 'string', format: 'binary' } } } }
        : { description: r.description };
  }
  for (const [status, when] of Object.entries(doc.errors ?? {})) responses[status] = errorResponse(when);
  const content: Record<string, unknown> = {};
  if (doc.body) content['application/json'] = { schema: resolver(doc.body) };
  for (const [type, u] of Object.entries(doc.uploads ?? {}))
    content[type] = { schema: { type: 'string', format: 'binary', description: u.description } };
  return {
    summary: doc.summary,
    description: doc.description,
    tags: doc.tags,
    ...(Object.keys(content).length > 0 ? { requestBody: { required: true, content } } : {}),
    ...(doc.query
      ? {
          parameters: Object.entries(doc.query).map(([name, q]) => ({
            name,
            in: 'query',
            required: false,
            description: q.description,
            schema: q.schema,
          })),
        }
      : {}),
    responses,
  } as Parameters<typeof describeRoute>[0];
}

/** `describeRoute(routeDoc(doc))`: the middleware that carries the route's documentation. */
export function documented(doc: RouteDoc): MiddlewareHandler {
  return describeRoute(routeDoc(doc));
}
