// What every request's URL must be before a route reads it: bounded in length (414), and free of control characters
// (a NUL or line break, raw or percent-encoded, in a path segment or query, names nothing here and PostgreSQL cannot
// compare it), so a route's parameters never carry them to the database or into a message.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.ts';

/** Path and query together, in bytes as sent. */
export const MAX_URL_LENGTH = 8192;

const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;
const isControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};

export function urlGuard(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const target = url.pathname + url.search;
    if (target.length > MAX_URL_LENGTH)
      throw new ApiError(414, `URL over ${MAX_URL_LENGTH} characters`, 'path', 'uri_too_long');
    if (ENCODED_CONTROL.test(target) || isControl(target)) {
      throw new ApiError(
        400,
        'the URL must not contain control characters (%00–%1F, %7F)',
        url.search && (ENCODED_CONTROL.test(url.search) || isControl(url.search)) ? 'query' : 'path',
        'invalid_value',
      );
    }
    return next();
  };
}
