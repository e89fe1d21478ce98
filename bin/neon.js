#!/usr/bin/env node
// The `neon` command line: registers the TypeScript loader, then hands over to cli/neon.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/neon.ts');
process.exitCode = await main(process.argv.slice(2));
