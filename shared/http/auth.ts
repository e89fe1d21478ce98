// Bearer-token auth for mutating routes: when tokens are configured, POST/PUT/PATCH/DELETE need
// `Authorization: Bearer <token>` (one of them); reads (GET/HEAD/OPTIONS) stay open. With no tokens configured
// everything is open, unless the config requires tokens (Kubernetes), in which case creating the middleware fails.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.ts';

export interface AuthConfig {
  /** Accepted tokens; empty: no auth. */
  tokens: readonly string[];
  /** Refuse to run without tokens (set on Kubernetes). */
  required?: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reads NEON_API_TOKENS (comma-separated); tokens are required when running on Kubernetes. */
export function authConfigFromEnv(env: Record<string, string | undefined> = process.env): AuthConfig {
  const tokens = (env.NEON_API_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  return { tokens, required: env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '' };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function unauthorized(message: string, code: string): Response {
  const err = new ApiError(401, message, 'Authorization', code, 'authentication_error');
  return new Response(JSON.stringify(err.body()), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
  });
}

export function bearerAuth(config: AuthConfig): MiddlewareHandler {
  if (config.required && config.tokens.length === 0)
    throw new Error('NEON_API_TOKENS must be set: mutating routes require a bearer token here');
  // Compare digests: constant time, and no length leak.
  const accepted = config.tokens.map(digest);
  return async (c, next) => {
    if (accepted.length === 0 || !MUTATING.has(c.req.method)) return next();
    const header = c.req.header('authorization');
    if (!header) return unauthorized('this route needs an Authorization: Bearer <token> header', 'missing_api_key');
    const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!m) return unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_api_key');
    const given = digest(m[1]);
    let ok = false;
    for (const a of accepted) ok = timingSafeEqual(a, given) || ok;
    if (!ok) return unauthorized('invalid bearer token', 'invalid_api_key');
    return next();
  };
}
