// The database engines the data-layer tests run against, each isolated per test file:
//  - pglite: embedded, in a fresh temporary folder;
//  - postgres: the real server on 127.0.0.1:5432 (infra/start-postgres.sh), in a fresh schema dropped afterwards;
//    NEON_TEST_DATABASE_URL points elsewhere. NEON_TEST_POSTGRES: `auto` (the default) runs it when a server answers
//    and otherwise skips it with a one-line reason (PGlite still runs); `require` (the default when CI=true) makes
//    an unreachable server a failure; `skip` skips it;
//  - testcontainers: a throwaway postgres container, when a Docker engine answers (`docker info`), else skipped.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from './database.ts';

export interface TestBackend {
  name: string;
  /** A reason to skip, or undefined to run. */
  skip: string | undefined;
  /** Opens a fresh, migrated database. */
  open(): Promise<Database>;
  /** Closes it and removes what it made. */
  close(): Promise<void>;
}

const DEFAULT_URLS = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

function freshSchema(): string {
  return `neon_t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

function pgliteBackend(): TestBackend {
  let dir: string | undefined;
  let database: Database | undefined;
  return {
    name: 'pglite',
    skip: undefined,
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'neon-db-test-'));
      database = await openDatabase({ dataDir: dir });
      return database;
    },
    async close() {
      await database?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The first of the candidate URLs a client can connect to, or an error naming them all. */
export async function reachablePostgresUrl(urls: string[]): Promise<string> {
  const errors: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch (err) {
      errors.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
      await client.end().catch(() => {});
    }
  }
  throw new Error(
    `PostgreSQL is not reachable (${errors.join('; ')}). Start it with infra/start-postgres.sh, ` +
      'point NEON_TEST_DATABASE_URL at another server, or set NEON_TEST_POSTGRES=auto (skip when absent) or skip.',
  );
}

function serverBackend(
  name: string,
  skip: string | undefined,
  urls: () => Promise<string[]>,
  stop: () => Promise<void> = async () => {},
): TestBackend {
  let database: Database | undefined;
  return {
    name,
    skip,
    async open() {
      const url = await reachablePostgresUrl(await urls());
      database = await openDatabase({ url, schema: freshSchema(), poolSize: 12 });
      return database;
    },
    async close() {
      try {
        if (database) {
          await database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${database.schema}" CASCADE`));
          await database.close();
        }
      } finally {
        await stop();
      }
    },
  };
}

export type PostgresMode = 'auto' | 'require' | 'skip';

/** NEON_TEST_POSTGRES, or `require` under CI=true (CI installs and starts PostgreSQL), else `auto`. */
export function postgresTestMode(env: Record<string, string | undefined> = process.env): PostgresMode {
  const v = env.NEON_TEST_POSTGRES?.trim();
  if (v === 'auto' || v === 'require' || v === 'skip') return v;
  if (v) throw new Error(`NEON_TEST_POSTGRES must be auto, require or skip, got '${v}'`);
  return env.CI === 'true' ? 'require' : 'auto';
}

/** The candidate URLs of the test server: NEON_TEST_DATABASE_URL, else the local defaults. */
export function postgresTestUrls(env: Record<string, string | undefined> = process.env): string[] {
  const url = env.NEON_TEST_DATABASE_URL?.trim();
  return url ? [url] : DEFAULT_URLS;
}

const postgresProbes = new Map<string, Promise<string | undefined>>();
/**
 * Why the Postgres variant is skipped, or undefined to run it. In `auto` mode an unreachable server skips with
 * a one-line reason; in `require` mode it runs (and fails with the message naming the fix).
 */
export function postgresSkip(env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  const mode = postgresTestMode(env);
  if (mode === 'skip') return Promise.resolve('NEON_TEST_POSTGRES=skip');
  if (mode === 'require') return Promise.resolve(undefined);
  const urls = postgresTestUrls(env);
  let probe = postgresProbes.get(urls.join(' '));
  if (!probe) {
    probe = reachablePostgresUrl(urls).then(
      () => undefined,
      () =>
        `no PostgreSQL answers at ${urls.join(' or ')} (infra/start-postgres.sh starts one; NEON_TEST_POSTGRES=require makes this a failure)`,
    );
    postgresProbes.set(urls.join(' '), probe);
  }
  return probe;
}

async function postgresBackend(): Promise<TestBackend> {
  return serverBackend('postgres', await postgresSkip(), async () => postgresTestUrls());
}

/**
 * The test PostgreSQL's URL and a fresh schema name, for tests that start servers in other processes; undefined
 * with NEON_TEST_POSTGRES=skip, an error naming what to do when it does not answer.
 */
export async function testPostgres(): Promise<{ url: string; schema: string } | undefined> {
  if (process.env.NEON_TEST_POSTGRES === 'skip') return undefined;
  const url = process.env.NEON_TEST_DATABASE_URL;
  return { url: await reachablePostgresUrl(url ? [url] : DEFAULT_URLS), schema: freshSchema() };
}

let dockerAnswer: boolean | undefined;
function dockerAnswers(): boolean {
  dockerAnswer ??= spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return dockerAnswer;
}

function containerBackend(): TestBackend {
  const skip = dockerAnswers()
    ? undefined
    : 'no Docker engine answers (`docker info` failed), so the testcontainers run is skipped';
  let container: { stop(): Promise<unknown> } | undefined;
  return serverBackend(
    'testcontainers',
    skip,
    async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const started = await new GenericContainer('postgres:16-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      container = started;
      return [`postgres://postgres@${started.getHost()}:${started.getMappedPort(5432)}/postgres`];
    },
    async () => {
      await container?.stop();
    },
  );
}

/** The three engines; each test file registers its suite once per engine (`for (const b of await testBackends())`). */
export async function testBackends(): Promise<TestBackend[]> {
  const backends = [pgliteBackend(), await postgresBackend(), containerBackend()];
  for (const b of backends) if (b.skip) console.log(`# ${b.name}: skipped: ${b.skip}`);
  return backends;
}
