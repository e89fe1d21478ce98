// The configuration of `neon serve`, read from the environment with zod.
import { z } from 'zod';
import { neonHome } from '../shared/config/neon-home.ts';
import { shippedModelsDir } from '../shared/serving/shipped-models.ts';

export const SERVICES = ['sampler', 'selftrain', 'merge', 'fid', 'orchestrator', 'all'] as const;
export type ServiceName = (typeof SERVICES)[number];

const int = (d: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(d);

export const EnvSchema = z.object({
  PORT: int(8080, 0, 65535),
  /** Loopback by default: listening on other interfaces is an explicit choice (containers set 0.0.0.0). */
  HOST: z.string().min(1).max(255).default('127.0.0.1'),
  NEON_ORT_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /** ORT worker threads (each holds every loaded model). */
  NEON_ORT_WORKERS: int(1, 1, 64),
  NEON_ORT_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** Let ORT's operator threads spin while waiting for work (1, onnxruntime's default) or sleep (0: nodes shared with other work). */
  NEON_ORT_SPINNING: z.enum(['0', '1']).default('1'),
  NEON_SAMPLER_MAX_ACTIVE: int(4, 1, 1024),
  NEON_SAMPLER_MAX_QUEUE: int(64, 0, 100_000),
  NEON_SAMPLER_MAX_N: int(64, 1, 4096),
  /** How long a model reference's resolution is reused (promotions seen through events or refresh are immediate). */
  NEON_SAMPLER_RESOLVE_TTL_MS: int(2000, 0, 86_400_000),
  /** Run the synthesize job worker in the sampler (1) or not (0). */
  NEON_SAMPLER_JOBS: z.enum(['0', '1']).default('1'),
  /** Run the Neon job workers and the orchestrator loop in the orchestrator service (1) or not (0). */
  NEON_ORCHESTRATOR_WORKERS: z.enum(['0', '1']).default('1'),
  /** The base URL clients reach this server at (image URLs of response_format "url"); never the Host header. */
  NEON_PUBLIC_URL: z
    .string()
    .max(2000)
    .refine(
      (u) =>
        URL.canParse(u) &&
        /^https?:$/.test(new URL(u).protocol) &&
        !new URL(u).search &&
        !new URL(u).hash &&
        !new URL(u).username,
      'must be an http(s) URL without query, fragment or credentials',
    )
    .optional(),
});

export interface ServeConfig {
  service: ServiceName;
  port: number;
  host: string;
  home: string;
  modelsDir: string;
  ort: { provider: 'cpu' | 'cuda'; workers: number; threads?: number; spinning: boolean };
  sampler: { maxActive: number; maxQueue: number; maxN: number; jobs: boolean; resolveTtlMs: number };
  orchestrator: { workers: boolean };
  /** NEON_PUBLIC_URL without a trailing slash; unset: http://<HOST>:<PORT> (loopback for a wildcard HOST). */
  publicUrl?: string;
  /** The whole environment, for the database and auth configs that read their own variables. */
  env: Record<string, string | undefined>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function serveConfigFromEnv(
  service: ServiceName,
  env: Record<string, string | undefined> = process.env,
): ServeConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const r = EnvSchema.safeParse(clean);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = r.data;
  return {
    service,
    port: e.PORT,
    host: e.HOST,
    home: neonHome(env),
    modelsDir: shippedModelsDir(env),
    ort: {
      provider: e.NEON_ORT_PROVIDER,
      workers: e.NEON_ORT_WORKERS,
      threads: e.NEON_ORT_THREADS,
      spinning: e.NEON_ORT_SPINNING === '1',
    },
    sampler: {
      maxActive: e.NEON_SAMPLER_MAX_ACTIVE,
      maxQueue: e.NEON_SAMPLER_MAX_QUEUE,
      maxN: e.NEON_SAMPLER_MAX_N,
      jobs: e.NEON_SAMPLER_JOBS === '1',
      resolveTtlMs: e.NEON_SAMPLER_RESOLVE_TTL_MS,
    },
    orchestrator: { workers: e.NEON_ORCHESTRATOR_WORKERS === '1' },
    publicUrl: e.NEON_PUBLIC_URL?.replace(/\/+$/, ''),
    env,
  };
}

/** The base URL of links the server hands out: NEON_PUBLIC_URL, else where it listens (loopback for a wildcard). */
export function publicBaseUrl(config: Pick<ServeConfig, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl;
  const host =
    config.host === '0.0.0.0' || config.host === '::'
      ? '127.0.0.1'
      : config.host.includes(':') && !config.host.startsWith('[')
        ? `[${config.host}]`
        : config.host;
  return `http://${host}:${config.port}`;
}
