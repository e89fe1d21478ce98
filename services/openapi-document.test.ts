// The OpenAPI document of `neon serve --service all`, in process: it validates against the OpenAPI 3.1 schema, every
// mounted route is in it with its error shapes, real answers match the schemas it declares, the /docs page and its
// files are served by the process, and the OpenAI JS client works against /v1/images/generations with a base URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { startTinyServer } from './tiny-server.test-util.ts';
import type { Server } from './server.ts';
import { readFile } from 'node:fs/promises';
import { PAGE_ROUTES, routesTable, type OpenApiDocument } from './openapi-document.ts';

let dir: string;
let server: Server;
let doc: OpenApiDocument;
const TOKEN = 'openapi-test-token';

before(async () => {
  ({ dir, server } = await startTinyServer('neon-openapi-', TOKEN));
  const res = await server.app.request('/openapi.json');
  assert.equal(res.status, 200);
  doc = (await res.json()) as OpenApiDocument;
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Hono's `:param` paths as OpenAPI's `{param}`. */
const openApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

test('the document validates against the OpenAPI 3.1 schema', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const r = await new Validator().validate(doc as Record<string, unknown>);
  assert.deepEqual(r.errors, undefined, JSON.stringify(r.errors, null, 1)?.slice(0, 2000));
  assert.equal(r.valid, true);
});

test('every mounted route is in the document, each with error responses in the one error shape', () => {
  const routes = server.app.routes.filter((r) => r.method !== 'ALL' && !PAGE_ROUTES.includes(openApiPath(r.path)));
  assert.ok(routes.length >= 20, `${routes.length} routes`);
  for (const r of routes) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} is not in the document`);
    const errors = Object.entries(op.responses ?? {}).filter(([s]) => Number(s) >= 400);
    assert.ok(errors.length > 0, `${r.method} ${r.path} has no error response`);
    for (const [status, resp] of errors) {
      if (r.path === '/v2/health/ready' && status === '503') continue; // not ready is an answer, {ready: false, service}
      const schema = (resp as { content?: Record<string, { schema?: { $ref?: string } }> }).content?.[
        'application/json'
      ]?.schema;
      assert.equal(schema?.$ref, '#/components/schemas/ApiError', `${r.method} ${r.path} ${status}`);
    }
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)) {
      for (const s of ['401', '403', '413', '415']) assert.ok(op.responses?.[s], `${r.method} ${r.path} lacks ${s}`);
    }
  }
  // the documented routes keep their own reasons and their request schemas (the zod schemas they validate with)
  const gen = doc.paths['/v1/images/generations'].post as any;
  assert.match(gen.responses['429'].description, /queue/);
  const body = gen.requestBody.content['application/json'].schema;
  assert.equal(body.additionalProperties, false);
  for (const f of ['model', 'n', 'class_labels', 'guidance_scale', 'num_inference_steps', 'seed'])
    assert.ok(body.properties[f], f);
  assert.equal(body.properties.n.maximum, 64);
  const run = doc.paths['/v1/neon/runs'].post as any;
  assert.deepEqual(run.requestBody.content['application/json'].schema.properties.preset.enum, [
    'smoke',
    'default',
    'paper',
  ]);
  assert.ok(
    (doc.paths['/v1/models/{model}/weights'].get as any).parameters.some(
      (p: any) => p.name === 'model' && p.in === 'path',
    ),
  );
  assert.ok(!('/' in doc.paths) && !('/docs' in doc.paths));
});

/** Validates a value against a schema of the document (its $refs resolved in the document's components). */
function matches(schema: unknown, value: unknown): string | null {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
  const rewrite = (s: unknown): unknown =>
    JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"doc#/components/'));
  const validate = ajv.compile(rewrite(schema) as object);
  return validate(value) ? null : ajv.errorsText(validate.errors);
}

test('real answers match the schemas the document declares', async () => {
  const gen = doc.paths['/v1/images/generations'].post as any;
  const ok = await server.app.request('/v1/images/generations', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny-flow', n: 2, seed: 5, num_inference_steps: 2 }),
  });
  assert.equal(ok.status, 200);
  assert.equal(matches(gen.responses['200'].content['application/json'].schema, await ok.json()), null);
  const bad = await server.app.request('/v1/images/generations', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny-flow', guidance_scle: 2 }),
  });
  assert.equal(bad.status, 400);
  const err = (await bad.json()) as { error: { message: string; param: string } };
  assert.equal(matches(gen.responses['400'].content['application/json'].schema, err), null);
  assert.equal(err.error.param, 'guidance_scle');
  assert.match(err.error.message, /unknown field 'guidance_scle' \(did you mean 'guidance_scale'\?\)/);
  const list = await server.app.request('/v1/models');
  assert.equal(
    matches(
      (doc.paths['/v1/models'].get as any).responses['200'].content['application/json'].schema,
      await list.json(),
    ),
    null,
  );
  const live = await server.app.request('/v2/health/live');
  assert.equal(
    matches(
      (doc.paths['/v2/health/live'].get as any).responses['200'].content['application/json'].schema,
      await live.json(),
    ),
    null,
  );
});

test('/docs: the reference page and its files come from this process', async () => {
  const page = await server.app.request('/docs');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.doesNotMatch(html, /https?:\/\//, 'no external URL');
  for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
    const res = await server.app.request(`/${src[1]}`);
    assert.equal(res.status, 200, src[1]);
    assert.ok((await res.text()).length > 20, src[1]);
  }
  assert.equal((await server.app.request('/docs/..%2Fpackage.json')).status, 404);
});

test('the OpenAI JS client generates images against a custom base URL', async () => {
  const client = new OpenAI({
    apiKey: TOKEN,
    baseURL: 'http://neon.local/v1',
    maxRetries: 0,
    fetch: async (url: string | URL | Request, init?: RequestInit) => server.app.request(String(url), init),
  });
  const params = {
    model: 'tiny-flow',
    prompt: '',
    n: 2,
    response_format: 'b64_json',
    seed: 7,
    num_inference_steps: 2,
  } as OpenAI.Images.ImageGenerateParamsNonStreaming;
  const r = await client.images.generate(params);
  assert.equal(r.data?.length, 2);
  assert.ok(Buffer.from(r.data![0].b64_json!, 'base64').subarray(1, 4).toString() === 'PNG');
  assert.deepEqual(
    r.data!.map((d) => (d as unknown as { seed: number }).seed),
    [7, 8],
  );
});

test("docs/API.md's route index is this document's (npm run docs:tables rewrites it)", async () => {
  const text = await readFile(new URL('../docs/API.md', import.meta.url), 'utf8');
  const begin = '<!-- generated: routes (npm run docs:tables) -->';
  const part = text
    .slice(text.indexOf(begin) + begin.length, text.indexOf('<!-- end generated -->', text.indexOf(begin)))
    .trim();
  assert.ok(text.includes(begin));
  assert.equal(part, routesTable(doc));
});
