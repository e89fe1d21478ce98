// `neon serve` in its own process under a chosen runtime, for the three-runtime test and the cold-start bench:
// started directly with the runtime's binary or through `node bin/neon.js serve --runtime <name>`, its port read
// from the line it prints once it listens, and its health routes polled.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Runtime } from './runtime.ts';
import { neonCommand, runtimeBinary } from './run-under.ts';

const NEON = fileURLToPath(new URL('../../bin/neon.js', import.meta.url));

export interface ServeProcessOptions {
  runtime: Runtime;
  /** 'binary': `<runtime> bin/neon.js serve …`; 'flag': `node bin/neon.js serve --runtime <runtime> …`. */
  via?: 'binary' | 'flag';
  /** Arguments after `serve` (the port is always 0, printed back). */
  args?: readonly string[];
  env?: Record<string, string | undefined>;
  /** How long to wait for the listening line (ms). */
  timeoutMs?: number;
}

export interface ServeProcess {
  base: string;
  /** The runtime the server says it runs on (from its listening line). */
  runtime: string;
  /** performance.now() just before the process was spawned. */
  spawnedAt: number;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** SIGTERM, and its exit code once it is gone. */
  close(): Promise<number | null>;
}

/** Fails with what to do when a dev-dependency runtime is not installed in this checkout. */
export function requireRuntimeBinary(runtime: Runtime): string {
  const bin = runtimeBinary(runtime);
  if (runtime !== 'node' && !existsSync(bin))
    throw new Error(`${runtime} is not installed in node_modules/.bin (it is a dev dependency): run npm ci`);
  return bin;
}

export async function startServe(opts: ServeProcessOptions): Promise<ServeProcess> {
  requireRuntimeBinary(opts.runtime);
  const args = ['serve', '--port', '0', ...(opts.args ?? [])];
  const { command, args: argv } =
    opts.via === 'flag'
      ? { command: process.execPath, args: [NEON, ...args, '--runtime', opts.runtime] }
      : neonCommand(opts.runtime, args);
  // an undefined value removes the variable
  const env = Object.fromEntries(
    Object.entries({ ...process.env, ...opts.env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-100_000)));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    return child.exitCode;
  };
  const timeoutMs = opts.timeoutMs ?? 300_000;
  try {
    const m = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within ${timeoutMs} ms:\n${err}`)), timeoutMs);
      const look = () => {
        const found = /listening on http:\/\/([^\s]+):(\d+) \((\w+)\)/.exec(err);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stderr!.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`neon serve (${opts.runtime}) exited with ${code} before listening:\n${err}`));
      });
    });
    return { base: `http://127.0.0.1:${m[2]}`, runtime: m[3], spawnedAt, log: () => err, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Polls `url` every `everyMs` until it answers 200; resolves with performance.now() at that answer. */
export async function until200(url: string, timeoutMs: number, everyMs = 10): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      async (r) => (await r.arrayBuffer(), r.status === 200),
      () => false,
    );
    if (ok) return performance.now();
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
