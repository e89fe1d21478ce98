// The fid routes as the OpenAPI document shows them (services/openapi-document.ts): bodies are the zod schemas the
// routes validate with.
import { z } from 'zod';
import type { RouteDoc } from '../../shared/http/route-docs.ts';

const tags = ['fid'];

const FidAnswer = z.object({ fid: z.number(), n_a: z.number().int(), n_b: z.number().int() });
const StatisticsAnswer = z.object({
  id: z.string().describe('artifact id of the statistics'),
  d: z.number().int(),
  n: z.number().int(),
});

export function fidDoc(body: z.ZodType): RouteDoc {
  return {
    tags,
    summary: 'FID between two stored statistics',
    description: 'a and b are artifact ids or paths in the artifact store (pytorch-fid .npz statistics).',
    body,
    ok: { 200: { description: 'the Fréchet distance', schema: FidAnswer } },
    errors: {
      400: 'a field is invalid, a file is not statistics, or the dimensions differ',
      401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong',
      404: 'no such statistics in the artifact store',
      422: 'the distance is not computable (covariance not positive semidefinite)',
    },
  };
}

export function statisticsDoc(body: z.ZodType): RouteDoc {
  return {
    tags,
    summary: 'Store statistics: upload .npz bytes, or compute them over a folder of PNGs in the store',
    body,
    uploads: { 'application/octet-stream': { description: 'a pytorch-fid .npz (mu, sigma)' } },
    ok: { 201: { description: 'the stored statistics', schema: StatisticsAnswer } },
    errors: {
      400: 'a field is invalid or the upload is not statistics',
      401: 'NEON_API_TOKENS is set and the bearer token is missing or wrong',
      404: 'the extractor is not available here',
    },
  };
}
