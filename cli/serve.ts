// `neon serve [--service sampler|selftrain|merge|fid|orchestrator|all] [--port N] [--runtime node|bun|deno]`: runs
// one service (default all) on PORT (default 8080), configured from the environment (services/serve-config.ts), with
// the server of the runtime running it (services/runtime/); --runtime another one runs the same command under that
// runtime instead. It listens first (/v2/health/live answers at once) and builds the services behind it
// (services/starting-app.ts). SIGTERM/SIGINT close it.
import type { Command } from './command.ts';
import { choiceFlag, intFlag, parseFlags, UsageError } from './flags.ts';
import { ConfigError, serveConfigFromEnv, SERVICES } from '../services/serve-config.ts';
import { startingApp } from '../services/starting-app.ts';
import { listen } from '../services/runtime/listen.ts';
import { currentRuntime, RUNTIMES } from '../services/runtime/runtime.ts';
import { runUnder } from '../services/runtime/run-under.ts';

const HELP = `usage: neon serve [--service ${SERVICES.join('|')}] [--port N] [--host H] [--runtime ${RUNTIMES.join('|')}]

--runtime: serve under Node (@hono/node-server), Bun (Bun.serve) or Deno (Deno.serve); default the runtime running
neon (\`bunx neon serve\`, \`deno run -A bin/neon.js serve\`). Bun and Deno come as dev dependencies (node_modules/.bin).

Environment: PORT (8080), HOST (127.0.0.1; another address needs NEON_API_TOKENS or NEON_ALLOW_INSECURE=1), NEON_HOME (./.neon: PGlite in db/, artifacts in artifacts/),
DATABASE_URL (PostgreSQL instead of PGlite), NEON_API_TOKENS (bearer tokens for POST/PUT/PATCH/DELETE),
NEON_PUBLIC_URL (base URL of image links; default http://HOST:PORT),
NEON_MODELS_DIR (shipped models, default models/), NEON_ORT_PROVIDER (cpu|cuda), NEON_ORT_WORKERS (1),
NEON_ORT_THREADS, NEON_ORT_SPINNING (1; 0: idle operator threads sleep), NEON_SAMPLER_MAX_ACTIVE (4), NEON_SAMPLER_MAX_QUEUE (64), NEON_SAMPLER_MAX_N (64),
NEON_SAMPLER_RESOLVE_TTL_MS (2000), NEON_SAMPLER_JOBS (1: run the synthesize job worker in the sampler),
NEON_ORCHESTRATOR_WORKERS (1: run the Neon job workers and the orchestrator loop in the orchestrator).`;

export const serveCommand: Command = {
  summary: 'serve the HTTP services (sampler, selftrain, merge, fid, orchestrator, or all in one)',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['help'], string: ['service', 'port', 'host', 'runtime'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    const service = choiceFlag(flags, 'service', SERVICES) ?? 'all';
    const runtime = choiceFlag(flags, 'runtime', RUNTIMES) ?? currentRuntime();
    if (runtime !== currentRuntime()) return runUnder(runtime, ['serve', ...withoutFlag(argv, 'runtime')]);
    let config;
    try {
      config = serveConfigFromEnv(service);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`environment: ${err.message}`);
      throw err;
    }
    config.port = intFlag(flags, 'port', { min: 0, max: 65535 }) ?? config.port;
    config.host = flags.values.get('host') ?? config.host;
    const insecure = exposedWithoutTokens(config.host, process.env);
    if (insecure) throw new UsageError(insecure);
    const front = startingApp(service);
    const http = await listen({ fetch: front.fetch, port: config.port, hostname: config.host });
    console.error(`neon serve --service ${service}: listening on http://${http.address}:${http.port} (${runtime})`);
    const local = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${http.port}`;
    if (service === 'all') console.error(`console: ${local}/`);
    const stopped = new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    const { createServer } = await import('../services/server.ts');
    const server = await createServer(config).catch(async (err: unknown) => {
      await http.close();
      throw err;
    });
    // whoever finds the embedded database locked learns where to send its requests instead
    server.database?.lock?.annotate({ url: local });
    front.started(server.app);
    await stopped;
    console.error('neon serve: shutting down');
    await http.close();
    await server.close();
    return 0;
  },
};

/** `argv` less `--name value` / `--name=value`. */
function withoutFlag(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) i++;
    else if (!argv[i].startsWith(`--${name}=`)) out.push(argv[i]);
  }
  return out;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

/**
 * Why listening on `host` would be unsafe: any address beyond loopback without NEON_API_TOKENS lets whoever reaches
 * it start runs and merges (undefined when it is safe, or NEON_ALLOW_INSECURE=1 accepts it).
 */
export function exposedWithoutTokens(host: string, env: NodeJS.ProcessEnv): string | undefined {
  if (LOOPBACK.test(host) || env.NEON_ALLOW_INSECURE === '1') return undefined;
  if ((env.NEON_API_TOKENS ?? '').split(',').some((t) => t.trim() !== '')) return undefined;
  return `refusing to listen on ${host.slice(0, 100)} without NEON_API_TOKENS (anyone who reaches it could start runs and merges); set NEON_API_TOKENS, use --host 127.0.0.1, or NEON_ALLOW_INSECURE=1 to accept it`;
}
