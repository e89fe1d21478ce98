#!/usr/bin/env node
// The `neon` command line: cli/neon.ts. Bun and Deno run the TypeScript sources themselves. On Node, the commands
// whose start-up counts (fid, merge: seconds of work each) run from the compiled copy of the sources when it can be
// had (bin/compiled.js); every other command, or NEON_NO_COMPILED=1, registers the TypeScript loader and runs the
// sources.
const FAST = new Set(['fid', 'merge']);
const onNode = globalThis.Bun === undefined && globalThis.Deno === undefined;

let main = null;
if (onNode && FAST.has(process.argv[2]) && process.env.NEON_NO_COMPILED !== '1')
  main = await (await import('./compiled.js')).compiledMain();
if (!main) {
  if (onNode) (await import('tsx/esm/api')).register();
  ({ main } = await import('../cli/neon.ts'));
}
process.exitCode = await main(process.argv.slice(2));
