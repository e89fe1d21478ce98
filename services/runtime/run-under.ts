// Runs the `neon` command line under another runtime (`neon serve --runtime bun|deno` from Node, and so on): the
// runtime's binary from this checkout's dev dependencies (node_modules/.bin), else the one on PATH, with stdio shared,
// SIGTERM/SIGINT passed on, and its exit code returned.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Runtime } from './runtime.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NEON = fileURLToPath(new URL('../../bin/neon.js', import.meta.url));

/** The runtime's executable: node_modules/.bin/<name> of this checkout when there, else `<name>` on PATH. */
export function runtimeBinary(runtime: Runtime): string {
  const local = `${ROOT}node_modules/.bin/${runtime}`;
  return runtime !== 'node' && existsSync(local) ? local : runtime;
}

/** The command line that runs `neon <args>` under `runtime` (Deno with every permission: it is the same trusted program). */
export function neonCommand(runtime: Runtime, args: readonly string[]): { command: string; args: string[] } {
  const command = runtimeBinary(runtime);
  if (runtime === 'deno') return { command, args: ['run', '-A', NEON, ...args] };
  return { command, args: [NEON, ...args] };
}

/** Runs `neon <args>` under `runtime` in the foreground and resolves with its exit code. */
export function runUnder(runtime: Runtime, args: readonly string[]): Promise<number> {
  const { command, args: argv } = neonCommand(runtime, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onTerm = forward('SIGTERM');
    const onInt = forward('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    child.once('error', (err) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      reject(
        new Error(
          `cannot start ${runtime} (${command}): ${err.message}; run npm ci (bun and deno are dev dependencies) or put ${runtime} on PATH`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
