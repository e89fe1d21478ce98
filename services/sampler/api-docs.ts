// The sampler's routes as the OpenAPI document shows them (services/openapi-document.ts): each route's body schema is
// the zod schema it validates with (passed in by app.ts), its answers' schemas are below, its errors are named.
import { z } from 'zod';
import type { RouteDoc } from '../../shared/http/route-docs.ts';

const tags = ['sampler'];

const GenerationResponse = z.object({
  created: z.number().int().describe('Unix seconds'),
  model: z.string().describe('the reference asked for'),
  version: z.string().describe('the version tag that answered'),
  data: z.array(
    z.object({
      b64_json: z.string().optional().describe('the PNG, base64 (response_format "b64_json")'),
      url: z.string().optional().describe('where the stored PNG is (response_format "url")'),
      class_label: z.number().int().nullable(),
      seed: z.number().int().describe('the image’s seed: the same seed gives the same image'),
    }),
  ),
});

const ModelObject = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
});
const ModelList = z.object({ object: z.literal('list'), data: z.array(ModelObject) });
const ModelDetail = ModelObject.extend({ version: z.string(), family: z.string() });
const Refreshed = z.object({
  id: z.string(),
  object: z.literal('model'),
  version: z.string(),
  content_hash: z.string(),
});
const ServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
const TensorMetadata = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });
const ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(TensorMetadata),
  outputs: z.array(TensorMetadata),
  parameters: z.record(z.string(), z.unknown()),
});
const ModelReady = z.object({ name: z.string(), ready: z.boolean() });

const modelNotFound = 'no such model, version or alias (param names the field)';

export function generationDoc(body: z.ZodType): RouteDoc {
  return {
    tags,
    summary: 'Generate images (OpenAI-shaped)',
    description:
      'OpenAI’s images API body plus class_labels, guidance_scale, num_inference_steps, seed, temperature and top_k. ' +
      'Image i of a request with seed s is the image of seed s + i whatever n is. Unknown fields are refused (with the closest known one).',
    body,
    ok: { 200: { description: 'the images, in order', schema: GenerationResponse } },
    errors: {
      400: 'a field is missing, out of range, unknown, or does not apply to this model (param names it)',
      401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong',
      404: modelNotFound,
      429: 'the sampling queue is full; retry after the Retry-After header',
    },
  };
}

export const listModelsDoc: RouteDoc = {
  tags,
  summary: 'List the models (OpenAI’s list shape)',
  ok: { 200: { description: 'every model and alias', schema: ModelList } },
};
export const getModelDoc: RouteDoc = {
  tags,
  summary: 'One model: the version a reference points at now',
  ok: { 200: { description: 'the model', schema: ModelDetail } },
  errors: { 400: 'the model’s family cannot be served here', 404: modelNotFound },
};
export const refreshModelDoc: RouteDoc = {
  tags,
  summary: 'Re-resolve a reference (after a promotion) and load it now',
  ok: { 200: { description: 'the version now served', schema: Refreshed } },
  errors: { 401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong', 404: modelNotFound },
};
export const weightsDoc: RouteDoc = {
  tags,
  summary: 'Download a model version’s weights',
  description:
    'The ONNX graph of the version (format=onnx, the default), or its initializers by name as safetensors (format=safetensors), e.g. for `neon merge`.',
  query: {
    format: { description: 'onnx (default) or safetensors', schema: { type: 'string', enum: ['onnx', 'safetensors'] } },
  },
  ok: {
    200: {
      description: 'the weights file (Content-Disposition names it; X-Neon-Content-Hash identifies the version)',
      mediaType: 'application/octet-stream',
    },
  },
  errors: { 400: 'format is not onnx or safetensors', 404: modelNotFound },
};
export const imageFileDoc: RouteDoc = {
  tags,
  summary: 'A stored image (response_format "url")',
  ok: { 200: { description: 'the PNG', mediaType: 'image/png' } },
  errors: { 404: 'no such image' },
};
export const serverMetadataDoc: RouteDoc = {
  tags: ['inference protocol v2'],
  summary: 'Server metadata',
  ok: { 200: { description: 'name, version, extensions', schema: ServerMetadata } },
};
export const modelMetadataDoc: RouteDoc = {
  tags: ['inference protocol v2'],
  summary: 'Model metadata (inputs, outputs, family, sampler defaults)',
  ok: { 200: { description: 'the model’s metadata', schema: ModelMetadata } },
  errors: { 400: 'the model’s family cannot be served here', 404: modelNotFound },
};
export const modelReadyDoc: RouteDoc = {
  tags: ['inference protocol v2'],
  summary: 'Whether a model is loaded and ready',
  ok: { 200: { description: 'ready', schema: ModelReady } },
  errors: { 400: 'the model’s family cannot be served here', 404: modelNotFound },
};
