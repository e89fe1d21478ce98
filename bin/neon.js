#!/usr/bin/env node
// The `neon` command line: registers the TypeScript loader on Node (Bun and Deno run TypeScript themselves), then
// hands over to cli/neon.ts.
if (globalThis.Bun === undefined && globalThis.Deno === undefined) (await import('tsx/esm/api')).register();
const { main } = await import('../cli/neon.ts');
process.exitCode = await main(process.argv.slice(2));
