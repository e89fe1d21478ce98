// Errors on every HTTP surface share OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z, type ZodError } from 'zod';
import { didYouMeanSuffix } from '../text/did-you-mean.ts';

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type: string = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
  }
  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/**
 * The message of an unknown key in a strict object, with the closest known key: zod v4 hands a message function the
 * object schema that raised the issue (and no longer has it afterwards), so this is where the known keys are seen.
 */
function unknownKeyMessage(issue: { code?: string; keys?: string[]; inst?: unknown }): string | undefined {
  if (issue.code !== 'unrecognized_keys' || !issue.keys?.length) return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  const keys = issue.keys.map((k) => `'${k}'`).join(', ');
  return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${shape ? didYouMeanSuffix(issue.keys[0], Object.keys(shape)) : ''}`;
}
z.config({ customError: unknownKeyMessage });

/** Turns a zod failure into a 400 naming the first offending field (for an unknown field: that field). */
export function fromZod(err: ZodError): ApiError {
  const issue = err.issues[0];
  const path =
    issue && issue.code === 'unrecognized_keys' && issue.keys.length > 0
      ? [...issue.path, issue.keys[0]]
      : (issue?.path ?? []);
  // an unknown field is named by its own path (`config.step`), not its parent's
  const param = path.length > 0 ? path.map((p) => String(p).slice(0, 100)).join('.') : null;
  const unknownKey = issue?.code === 'unrecognized_keys';
  const where = unknownKey
    ? issue.path.length > 0
      ? issue.path.map((p) => String(p).slice(0, 100)).join('.')
      : null
    : param;
  const message = issue
    ? unknownKey && where === null
      ? issue.message
      : `${where ?? 'body'}: ${issue.message}`
    : 'invalid request';
  return new ApiError(400, message, param, 'invalid_value');
}

/** Hono onError handler: ApiError as itself, anything else as a 500 that does not leak internals. */
export function onApiError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(err.body(), err.status);
  console.error(err);
  return c.json(new ApiError(500, 'internal error', null, 'internal').body(), 500);
}

/**
 * Parses a JSON request body; a body that is not JSON is a 400, and so is a NUL character in any string or key
 * (no field needs one, and PostgreSQL cannot store it), naming where it is.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(400, 'request body must be valid JSON', null, 'invalid_json');
  }
  const at = nulPath(body);
  if (at !== undefined)
    throw new ApiError(400, `${at || 'body'}: must not contain a NUL character (\\u0000)`, at || null, 'invalid_value');
  return body;
}

/** The path of the first string or key holding U+0000 (walked without recursion: nesting depth is the client's). */
function nulPath(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const p = path
          ? `${path}.${k.replace(/\0/g, '\\u0000').slice(0, 100)}`
          : k.replace(/\0/g, '\\u0000').slice(0, 100);
        if (k.includes('\0')) return p;
        stack.push([x, p]);
      }
    }
  }
  return undefined;
}

/** The error body as a schema, for the OpenAPI document (every error response of every route has this shape). */
export const ApiErrorSchema = z
  .object({
    error: z.object({
      message: z.string().describe('what went wrong, naming the field'),
      type: z.string().describe('invalid_request_error, authentication_error, rate_limit_error or server_error'),
      param: z.string().nullable().describe('the offending field (dotted path), header or parameter, if any'),
      code: z.string().nullable().describe('a stable machine-readable code, e.g. invalid_value, model_not_found'),
    }),
  })
  .describe('An error, in the shape of OpenAI’s API errors');
