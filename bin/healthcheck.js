#!/usr/bin/env node
/* global AbortSignal */
// Container healthcheck: exits 0 when GET /v2/health/live on this container's PORT answers 2xx, else 1.
// Usage: node bin/healthcheck.js [url]   (default http://127.0.0.1:$PORT/v2/health/live, PORT defaults to 8080)
const port = process.env.PORT || '8080';
const url = process.argv[2] || `http://127.0.0.1:${port}/v2/health/live`;
const timeoutMs = Number(process.env.NEON_HEALTHCHECK_TIMEOUT_MS || 4000);

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) console.error(`healthcheck: ${url} answered ${res.status}`);
  process.exitCode = res.ok ? 0 : 1;
} catch (err) {
  console.error(`healthcheck: ${url} unreachable: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
