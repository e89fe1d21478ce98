// The API's description, served by every process: GET /openapi.json (services/openapi-document.ts, generated once
// from the composed app's routes) and GET /docs, a reference page rendered in the browser by Swagger UI from the
// swagger-ui-dist package, served from node_modules by this process (no CDN).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { ApiError } from '../shared/http/errors.ts';
import { openApiDocument, type OpenApiDocument } from './openapi-document.ts';

const UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of the page: Swagger UI's bundle and style, and the line that starts it on our document. */
const FILES: Record<string, { type: string; read: () => Promise<string> }> = {
  'swagger-ui-bundle.js': {
    type: 'text/javascript; charset=utf-8',
    read: () => readFile(join(UI_DIR, 'swagger-ui-bundle.js'), 'utf8'),
  },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', read: () => readFile(join(UI_DIR, 'swagger-ui.css'), 'utf8') },
  'start.js': {
    type: 'text/javascript; charset=utf-8',
    read: async () => "window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#api', deepLinking: true });\n",
  },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Neon API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
`;

/** The routes /openapi.json and /docs for `root` (the document is generated on first request, then kept). */
export function createApiDocsApp(root: Hono, service: string): Hono {
  const app = new Hono();
  let doc: Promise<OpenApiDocument> | undefined;
  app.get(
    '/openapi.json',
    describeRoute({
      tags: ['meta'],
      summary: 'This OpenAPI 3.1 document',
      responses: {
        200: { description: 'the document', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    }),
    async (c) => {
      doc ??= openApiDocument(root, service);
      doc.catch(() => (doc = undefined));
      return c.json(await doc);
    },
  );
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/:file', async (c) => {
    const f = FILES[c.req.param('file')];
    if (!f)
      throw new ApiError(
        404,
        `no file '${c.req.param('file').slice(0, 80)}' in the reference page`,
        'file',
        'not_found',
      );
    return c.body(await f.read(), 200, { 'content-type': f.type, 'cache-control': 'public, max-age=3600' });
  });
  return app;
}
