// The sampler over the test fixture (and, with NEON_SERVE_SHIPPED=1, the shipped models) in its own process
// (serve-fixture.ts), for load tests and benchmarks that need a real listening server on 127.0.0.1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./serve-fixture.ts', import.meta.url));

export interface FixtureServer {
  base: string;
  close(): Promise<void>;
}

export async function startFixtureServer(env: Record<string, string> = {}): Promise<FixtureServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const close = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  };
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`sampler server exited with ${code}`)));
  }).catch(async (err) => {
    await close();
    throw err;
  });
  return { base: `http://127.0.0.1:${port}`, close };
}
