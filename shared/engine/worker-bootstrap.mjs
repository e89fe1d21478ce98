// Worker-thread entry: registers the TypeScript loader on Node (Bun and Deno run TypeScript themselves), then runs
// the TS module named in workerData.entry.
import { workerData } from 'node:worker_threads';

if (globalThis.Bun === undefined && globalThis.Deno === undefined) (await import('tsx/esm/api')).register();
await import(workerData.entry);
