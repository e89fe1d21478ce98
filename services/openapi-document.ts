// The OpenAPI 3.1 document of a `neon serve` process, generated from its mounted routes (hono-openapi reads the
// `describeRoute` each route carries: the zod schema it validates its body with, its answers and its errors, see
// shared/http/route-docs.ts). The composition root's own answers are added to every operation: the request guard's
// 403/413/415 and the bearer token's 401 on mutating routes, and a 500 everywhere, all in the one error shape.
// Routes that serve pages rather than the API (the console, the reference page) are left out.
import type { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import { z } from 'zod';
import { packageVersion } from '../shared/config/package-version.ts';
import { ApiErrorSchema } from '../shared/http/errors.ts';
import { errorResponse } from '../shared/http/route-docs.ts';

/** Page routes (HTML and their files): served by the process, not part of the API. */
export const PAGE_ROUTES: readonly string[] = ['/', '/console/{file}', '/docs', '/docs/{file}'];

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

type Operation = {
  responses?: Record<string, { description?: string } & Record<string, unknown>>;
  tags?: string[];
} & Record<string, unknown>;
export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
} & Record<string, unknown>;

/** Adds the composition root's answers to one operation. */
function addRootResponses(method: string, op: Operation): void {
  const responses = (op.responses ??= {});
  for (const r of Object.values(responses)) r.description ??= 'OK';
  if (MUTATING.has(method)) {
    responses['401'] ??= errorResponse('NEON_API_TOKENS is set and the bearer token is missing or wrong');
    responses['403'] ??= errorResponse('a cross-origin request (the Origin header names another server)');
    responses['413'] ??= errorResponse('the body is over its limit (1 MiB of JSON, 256 MiB of upload)');
    responses['415'] ??= errorResponse(
      'the content type is not application/json (or application/octet-stream for uploads)',
    );
  }
  responses['500'] ??= errorResponse('an internal error (details are in the server log, not the answer)');
}

/** The document for the routes of `app` (the composed app of a process running `service`). */
export async function openApiDocument(app: Hono, service: string): Promise<OpenApiDocument> {
  const errorSchema = z.toJSONSchema(ApiErrorSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  delete errorSchema.$schema;
  const doc = (await generateSpecs(app, {
    includeEmptyPaths: true,
    excludeStaticFile: false,
    exclude: [...PAGE_ROUTES],
    documentation: {
      info: {
        title: 'Neon API',
        version: packageVersion(),
        description:
          `The HTTP API of a \`neon serve --service ${service}\` process: image generation (OpenAI-shaped), Neon runs, ` +
          'checkpoint merges and FID. Reads are open; with NEON_API_TOKENS set, mutating routes need `Authorization: Bearer <token>`. ' +
          'Every error has the shape {"error": {"message", "type", "param", "code"}}; param names the offending field. See docs/API.md.',
      },
      components: {
        schemas: { ApiError: errorSchema },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  })) as unknown as OpenApiDocument;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      addRootResponses(method, op);
      if (MUTATING.has(method)) op.security = [{ bearer: [] }, {}];
      // a route without a description of its own (the console's data routes) is listed under its path's first word
      if (!op.tags || op.tags.length === 0) op.tags = [path.split('/')[2] ?? 'other'];
    }
  }
  return doc;
}

/** The document's routes as a Markdown table (docs/API.md's route index, `npm run docs:tables`). */
export function routesTable(doc: OpenApiDocument): string {
  const rows: string[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    for (const [method, op] of Object.entries(doc.paths[path])) {
      const errors = Object.keys(op.responses ?? {}).filter(
        (s) => Number(s) >= 400 && !['401', '403', '413', '415', '500'].includes(s),
      );
      rows.push(
        `| \`${method.toUpperCase()} ${path}\` | ${(op.tags ?? []).join(', ')} | ${String(op.summary ?? '—').replaceAll('|', '\\|')} | ${errors.join(', ') || '—'} |`,
      );
    }
  }
  return ['| route | service | what | its own errors |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
