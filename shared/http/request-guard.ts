// What every mutating request must be before a route reads it: same-origin (a page on another site cannot start runs
// or merges through an operator's browser), typed as JSON (or an explicit binary upload — the content types a form
// or a simple cross-site request cannot send), and bounded in size.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.ts';

/** JSON bodies: requests, configs and rule lists are small. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Binary uploads (statistics files): μ and Σ of 2,048 features in float64 take 32 MB. */
export const UPLOAD_BODY_LIMIT = 256 * 1024 * 1024;

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const TYPES: Record<string, number> = {
  'application/json': JSON_BODY_LIMIT,
  'application/octet-stream': UPLOAD_BODY_LIMIT,
};

export function requestGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      let host = '';
      try {
        host = new URL(origin).host;
      } catch {
        // 'null' or garbage: not this server
      }
      if (host === '' || host !== c.req.header('host')) {
        throw new ApiError(
          403,
          `cross-origin ${c.req.method} refused (Origin '${origin.slice(0, 100)}' is not this server)`,
          'origin',
          'cross_origin',
        );
      }
    }
    if (c.req.raw.body === null) return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const limit = TYPES[type];
    if (limit === undefined) {
      throw new ApiError(
        415,
        `content-type must be application/json (or application/octet-stream for uploads), got '${type.slice(0, 80) || 'none'}'`,
        'content-type',
        'unsupported_media_type',
      );
    }
    return bodyLimit({
      maxSize: limit,
      onError: (ctx) =>
        ctx.json(
          new ApiError(413, `request body over ${limit} bytes (the limit for ${type})`, null, 'body_too_large').body(),
          413,
        ),
    })(c, next);
  };
}
