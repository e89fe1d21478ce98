// The merge route as the OpenAPI document shows it (services/openapi-document.ts): the body is the zod schema the
// route validates with (MergeRequestBody); the job's JSON is described below.
import { z } from 'zod';
import type { RouteDoc } from '../../shared/http/route-docs.ts';

const tags = ['merge'];

const Artifact = z.object({
  id: z.string().describe('artifact id of θneon(w)'),
  w: z.number(),
  bytes: z.number().int(),
});
const MergeAnswer = z.object({
  job: z
    .object({
      id: z.string(),
      kind: z.literal('merge'),
      status: z.string().describe('queued, running, succeeded, failed'),
      request: z.unknown(),
      created_at: z.string(),
      finished_at: z.string().nullable(),
      seconds: z.number().optional(),
      bytes_read: z.number().optional(),
      artifacts: z.array(Artifact),
    })
    .passthrough(),
  artifacts: z.array(Artifact),
});

export function createMergeDoc(body: z.ZodType): RouteDoc {
  return {
    tags,
    summary: 'Merge two checkpoints: θneon(w) = (1+w)·θr − w·θs, one artifact per w',
    description:
      'base and self are artifact ids or paths inside the artifact store (safetensors or ONNX, both the same format).',
    body,
    ok: {
      201: { description: 'merged: one artifact per w', schema: MergeAnswer },
      202: { description: 'queued (wait false, or still running)', schema: MergeAnswer },
    },
    errors: {
      400: 'a field is invalid, a checkpoint does not open, or the inputs do not match (param names the field)',
      401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong',
      404: 'base or self is not in the artifact store',
    },
  };
}
export const getMergeDoc: RouteDoc = {
  tags,
  summary: 'A merge job',
  ok: { 200: { description: 'the job and its artifacts', schema: MergeAnswer } },
  errors: { 404: 'no merge job with this id' },
};
