// The sampler service: the generation API and the Open Inference Protocol v2 metadata routes (health is the
// composition root's, services/compose-app.ts).
//   POST /v1/images/generations   OpenAI-shaped, plus class_labels, guidance_scale, num_inference_steps, seed,
//                                 temperature, top_k → {created, data: [{b64_json | url, class_label, seed}]}
//   GET  /v1/models               OpenAI's list shape
//   POST /v1/models/{model}/refresh   re-resolve a reference (after a promotion) and load it now
//   GET  /v1/models/{model}/weights   the version's weights (?format=onnx|safetensors)
//   GET  /v1/images/files/{id}.png    stored images (response_format "url")
//   GET  /v2, /v2/models/{name}[/versions/{v}][/ready]
// Seeds: the image of seed σ is sample index σ of the model's sample stream (stream seed 0): image i of a request
// with seed s is the image of seed s + i, whatever n is; without class_labels its class is (s + i) mod num_classes.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ApiError, fromZod, jsonBody, onApiError } from '../../shared/http/errors.ts';
import { imagesToPng } from '../../shared/samples/png-encode.ts';
import {
  ModelNotFoundError,
  type DescribedModel,
  type LoadedModel,
  type ModelProvider,
} from '../../shared/serving/model-provider.ts';
import { UnknownFamilyError } from '../../shared/families/registry.ts';
import type { SampleRequest } from '../../shared/families/generator-family.ts';
import { sampleInLanes } from '../../shared/families/sample-lanes.ts';
import { classNamesOf } from '../../shared/models/class-names.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { isArtifactId } from '../../shared/store/artifact-store.ts';
import { Limiter, QueueFullError } from './limiter.ts';
import { documented } from '../../shared/http/route-docs.ts';
import {
  WEIGHT_FORMATS,
  weightsFileName,
  writeVersionWeights,
  type WeightFormat,
} from '../../shared/serving/version-weights.ts';
import * as docs from './api-docs.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The stream every API seed indexes into (`neon sample --seed 0` writes the same images under the same indices). */
export const API_SEED_STREAM = 0;
export const MAX_SEED = 2 ** 31 - 1;

export interface SamplerLimits {
  /** Images per request (default 64). */
  maxN: number;
  /** num_inference_steps upper bound (default 1000). */
  maxSteps: number;
  /** Requests sampling at once (default 4). */
  maxActive: number;
  /** Requests waiting for a slot before new ones get 429 (default 64). */
  maxQueue: number;
}

export const DEFAULT_LIMITS: SamplerLimits = { maxN: 64, maxSteps: 1000, maxActive: 4, maxQueue: 64 };

export interface SamplerAppDeps {
  models: ModelProvider;
  /** Needed for response_format "url" (images are stored as artifacts and served from /v1/images/files). */
  store?: ArtifactStore;
  /**
   * The base URL clients reach the server at (NEON_PUBLIC_URL), for response_format "url"; never taken from the
   * request's Host header. Without it the URLs are root-relative (`/v1/images/files/<id>.png`).
   */
  publicUrl?: string;
  limits?: Partial<SamplerLimits>;
}

function generationBody(limits: SamplerLimits) {
  return z
    .object({
      model: z.string().min(1),
      prompt: z.string().max(32_000).optional(),
      n: z.number().int().min(1).max(limits.maxN).default(1),
      response_format: z.enum(['b64_json', 'url']).default('b64_json'),
      size: z.string().optional(),
      class_labels: z
        .union([z.number().int().min(0), z.array(z.number().int().min(0)).min(1).max(limits.maxN)])
        .optional(),
      guidance_scale: z.number().min(0).max(100).optional(),
      num_inference_steps: z.number().int().min(1).max(limits.maxSteps).optional(),
      seed: z.number().int().min(0).max(MAX_SEED).optional(),
      temperature: z.number().positive().max(100).optional(),
      top_k: z.number().int().min(0).optional(),
      // OpenAI fields that have no meaning here; accepted and ignored
      user: z.string().optional(),
      quality: z.string().optional(),
      style: z.string().optional(),
    })
    .strict();
}

export type GenerationBody = z.infer<ReturnType<typeof generationBody>>;

function bad(message: string, param: string, code = 'invalid_value'): ApiError {
  return new ApiError(400, message, param, code);
}

/** Model-dependent checks; returns the family request. */
function toSampleRequest(model: LoadedModel, body: GenerationBody, seed: number): SampleRequest {
  const m = model.manifest;
  const [C, H, W] = m.data.shape.length === 3 ? m.data.shape : [0, 0, 0];
  if (C === 0) throw bad(`model '${body.model}' does not make images`, 'model', 'model_not_supported');
  const native = `${W}x${H}`;
  if (body.size !== undefined && body.size !== native)
    throw bad(
      `size: model '${body.model}' makes ${native} images only, got '${body.size}'`,
      'size',
      'unsupported_size',
    );
  const k = m.conditioning.num_classes;
  let labels: number[] | undefined;
  if (body.class_labels !== undefined) {
    if (k === 0) throw bad(`class_labels: model '${body.model}' is unconditional`, 'class_labels');
    const given = typeof body.class_labels === 'number' ? [body.class_labels] : body.class_labels;
    if (given.length !== 1 && given.length !== body.n)
      throw bad(
        `class_labels: give one label for all images or one per image (n = ${body.n}), got ${given.length}`,
        'class_labels',
      );
    given.forEach((c, i) => {
      if (c >= k)
        throw bad(
          `class_labels${typeof body.class_labels === 'number' ? '' : `.${i}`}: model '${body.model}' has classes 0..${k - 1}, got ${c}`,
          typeof body.class_labels === 'number' ? 'class_labels' : `class_labels.${i}`,
        );
    });
    labels = given.length === 1 ? Array(body.n).fill(given[0]) : given;
  } else if (k > 0) labels = Array.from({ length: body.n }, (_, i) => (seed + i) % k);
  const ar = m.family === 'ar';
  if (!ar && body.temperature !== undefined)
    throw bad(
      `temperature: applies to autoregressive models only; '${body.model}' is a ${m.family} model`,
      'temperature',
    );
  if (!ar && body.top_k !== undefined)
    throw bad(`top_k: applies to autoregressive models only; '${body.model}' is a ${m.family} model`, 'top_k');
  if (ar && body.num_inference_steps !== undefined)
    throw bad(`num_inference_steps: an autoregressive model takes one step per token`, 'num_inference_steps');
  if (k === 0 && body.guidance_scale !== undefined)
    throw bad(`guidance_scale: model '${body.model}' is unconditional`, 'guidance_scale');
  return {
    n: body.n,
    seed: API_SEED_STREAM,
    first: seed,
    classLabels: labels,
    guidanceScale: body.guidance_scale,
    steps: body.num_inference_steps,
    temperature: body.temperature,
    topK: body.top_k,
  };
}

async function loadModel(models: ModelProvider, ref: string, param: string): Promise<LoadedModel> {
  try {
    return await models.get(ref);
  } catch (err) {
    if (err instanceof ModelNotFoundError) throw new ApiError(404, err.message, param, 'model_not_found');
    if (err instanceof UnknownFamilyError) throw new ApiError(400, err.message, param, 'model_not_supported');
    throw err;
  }
}

async function describeModel(models: ModelProvider, ref: string, param: string): Promise<DescribedModel> {
  try {
    return await models.describe(ref);
  } catch (err) {
    if (err instanceof ModelNotFoundError) throw new ApiError(404, err.message, param, 'model_not_found');
    throw err;
  }
}

export function createSamplerApp(deps: SamplerAppDeps): Hono {
  const limits: SamplerLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const Body = generationBody(limits);
  const limiter = new Limiter(limits.maxActive, limits.maxQueue);
  const { models, store } = deps;
  const app = new Hono();
  app.onError(onApiError);

  app.get('/v2', documented(docs.serverMetadataDoc), (c) =>
    c.json({ name: 'neon-sampler', version: '0.1.0', extensions: [] }),
  );

  async function metadata(c: Context, ref: string) {
    const m = await describeModel(models, ref, 'name');
    return c.json({
      name: ref,
      versions: (await models.versions(m.name)) ?? [m.tag],
      platform: 'onnx',
      inputs: m.signature.inputs,
      outputs: m.signature.outputs,
      parameters: {
        family: m.manifest.family,
        version: m.tag,
        content_hash: m.key,
        data_shape: m.manifest.data.shape,
        num_classes: m.manifest.conditioning.num_classes,
        sampler: m.manifest.sampler,
      },
    });
  }
  app.get('/v2/models/:name', documented(docs.modelMetadataDoc), (c) => metadata(c, c.req.param('name')));
  app.get('/v2/models/:name/versions/:version', documented(docs.modelMetadataDoc), (c) =>
    metadata(c, `${c.req.param('name')}@${c.req.param('version')}`),
  );
  app.get('/v2/models/:name/ready', documented(docs.modelReadyDoc), async (c) => {
    await loadModel(models, c.req.param('name'), 'name');
    return c.json({ name: c.req.param('name'), ready: true });
  });

  app.get('/v1/models', documented(docs.listModelsDoc), async (c) => {
    const list = await models.list();
    return c.json({
      object: 'list',
      data: list.map((m) => ({
        id: m.id,
        object: 'model',
        created: Math.floor(m.createdAt.getTime() / 1000),
        owned_by: 'neon',
      })),
    });
  });

  app.get('/v1/models/:model', documented(docs.getModelDoc), async (c) => {
    const m = await describeModel(models, c.req.param('model'), 'model');
    return c.json({
      id: c.req.param('model'),
      object: 'model',
      created: Math.floor(m.createdAt.getTime() / 1000),
      owned_by: 'neon',
      version: m.tag,
      family: m.manifest.family,
      num_classes: m.manifest.conditioning.num_classes,
      class_names: classNamesOf(m.manifest),
    });
  });

  app.post('/v1/models/:model/refresh', documented(docs.refreshModelDoc), async (c) => {
    let m: LoadedModel;
    try {
      m = await models.promoted(c.req.param('model'));
    } catch (err) {
      if (err instanceof ModelNotFoundError) throw new ApiError(404, err.message, 'model', 'model_not_found');
      throw err;
    }
    return c.json({ id: c.req.param('model'), object: 'model', version: m.tag, content_hash: m.key });
  });

  app.post('/v1/images/generations', documented(docs.generationDoc(Body)), async (c) => {
    const parsed = Body.safeParse(await jsonBody(c));
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    if (body.response_format === 'url' && !store)
      throw bad(
        'response_format: "url" is not available on this server; use "b64_json"',
        'response_format',
        'unsupported_value',
      );
    const model = await loadModel(models, body.model, 'model');
    const seed = body.seed ?? Math.floor(Math.random() * (MAX_SEED - limits.maxN));
    const req = toSampleRequest(model, body, seed);
    let result;
    try {
      result = await limiter.run(() => sampleInLanes(model.family, model.session, model.manifest, req));
    } catch (err) {
      if (err instanceof QueueFullError) {
        const e = new ApiError(429, err.message, null, 'queue_full', 'rate_limit_error');
        return c.json(e.body(), 429, { 'retry-after': '1' });
      }
      throw err;
    }
    const pngs = imagesToPng(result.images, model.manifest.data.shape, body.n);
    const origin = deps.publicUrl?.replace(/\/+$/, '') ?? '';
    const data = await Promise.all(
      pngs.map(async (png, i) => {
        const meta = {
          class_label: model.manifest.conditioning.num_classes === 0 ? null : result.labels[i],
          seed: seed + i,
        };
        if (body.response_format === 'url') {
          const a = await store!.put(png, 'png', {
            model: body.model,
            version: model.tag,
            content_hash: model.key,
            seed: seed + i,
            class_label: meta.class_label,
            guidance_scale: req.guidanceScale ?? null,
            steps: req.steps ?? null,
          });
          return { url: `${origin}/v1/images/files/${a.id}.png`, ...meta };
        }
        return { b64_json: Buffer.from(png).toString('base64'), ...meta };
      }),
    );
    return c.json({ created: Math.floor(Date.now() / 1000), model: body.model, version: model.tag, data });
  });

  app.get('/v1/images/files/:file', documented(docs.imageFileDoc), async (c) => {
    const file = c.req.param('file');
    const id = file.endsWith('.png') ? file.slice(0, -4) : file;
    const m = store && isArtifactId(id) ? await store.manifest(id) : undefined;
    if (!m || m.kind !== 'png') throw new ApiError(404, `no image '${file}'`, 'file', 'not_found');
    return c.body(new Uint8Array(await store!.read(id)), 200, {
      'content-type': 'image/png',
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  app.get('/v1/models/:model/weights', documented(docs.weightsDoc), async (c) => {
    const format = (c.req.query('format') ?? 'onnx') as WeightFormat;
    if (!WEIGHT_FORMATS.includes(format))
      throw bad(`format: must be one of ${WEIGHT_FORMATS.join(', ')}, got '${format.slice(0, 40)}'`, 'format');
    let version;
    try {
      version = await models.resolve(c.req.param('model'));
    } catch (err) {
      if (err instanceof ModelNotFoundError) throw new ApiError(404, err.message, 'model', 'model_not_found');
      throw err;
    }
    const dir = await mkdtemp(join(tmpdir(), 'neon-weights-'));
    try {
      const file = join(dir, weightsFileName(version, format));
      await writeVersionWeights(version, format, file);
      return c.body(new Uint8Array(await readFile(file)), 200, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${weightsFileName(version, format)}"`,
        'x-neon-content-hash': version.key,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  return app;
}
