// Crash safety: a run in a child process (`neon run`) is killed with SIGKILL during each phase in turn —
// synthesis, self-training, the sweep, the report — and restarted with the same run id each time. The run must
// complete with the same result as an uninterrupted run, no job may complete twice, every trial key must have
// one row and one job, and every artifact in the store must be whole (its content hashes to its id).
// The crashed run goes against the Postgres on 127.0.0.1:5432 (a fresh schema; NEON_TEST_DATABASE_URL points
// elsewhere); NEON_CRASH_BACKENDS=pglite,postgres adds the embedded PGlite (its restart replays its WAL: slower).
// Where no PostgreSQL answers and NEON_TEST_POSTGRES is not `require` (CI), the default falls back to PGlite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { and, eq, like, sql } from 'drizzle-orm';
import { openDatabase } from '../../shared/db/database.ts';
import { postgresSkip, postgresTestUrls, reachablePostgresUrl } from '../../shared/db/test-backends.ts';
import { events, jobs, trials } from '../../shared/db/schema.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { createNeonRuntime } from './runtime.ts';
import { ensureToyModel } from './models.ts';
import { createRun } from './orchestrator.ts';
import { FINAL_RUN_STATES, getRun, orderedSummary, type RunFacts } from './run-records.ts';
import { startNeon } from './workers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/neon.js');

/** A small run: every phase is reached within seconds. */
const CONFIG = {
  synthesis: { n: 256, seeds: { first: 0, count: 256 } },
  selftrain: { steps: 30, snapshot_every: 15, batch: 64, lr: 3e-4 },
  sweep: { w_grid: [0, 0.5, 1, 2], cfg_grid: [1.1], batch: 128 },
  selection: { seeds: { first: 100_000, count: 256 } },
  report: { seeds: { first: 200_000, count: 256 } },
};

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killedAt?: string;
}

/** Runs `neon run`; if `killOn` matches a stderr line, SIGKILLs the process right there. */
function neonRun(env: NodeJS.ProcessEnv, runId: string, configPath: string, killOn?: RegExp): Promise<Child> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--model',
        'toy-ddpm',
        '--preset',
        'smoke',
        '--config',
        configPath,
        '--run-id',
        runId,
        '--lease-ms',
        '1500',
        '--json',
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: Child = { code: null, signal: null, stdout: '', stderr: '' };
    let buf = '';
    child.stdout.on('data', (d) => (out.stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      out.stderr += d;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (killOn && out.killedAt === undefined && killOn.test(line)) {
          out.killedAt = line;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ ...out, code, signal }));
  });
}

function lastJson(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** The result without what differs between runs by design (the id, the promoted tag). */
function comparable(r: Record<string, any>) {
  const { run_id: _id, promoted: _p, ...rest } = r;
  return rest;
}

async function checkStore(root: string): Promise<number> {
  const blobs = join(root, 'blobs');
  let n = 0;
  for (const dir of await readdir(blobs)) {
    for (const name of await readdir(join(blobs, dir))) {
      if (name.endsWith('.json')) continue;
      const bytes = await readFile(join(blobs, dir, name));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), name, `artifact ${name} is torn`);
      JSON.parse(await readFile(join(blobs, dir, `${name}.json`), 'utf8'));
      n++;
    }
  }
  return n;
}

/** The same run uninterrupted, in this process (embedded PGlite in memory, its own artifact store). */
async function referenceRun(home: string): Promise<Record<string, any>> {
  const database = await openDatabase({ memory: true });
  const store = new ArtifactStore(join(home, 'reference-artifacts'));
  const runtime = createNeonRuntime({ store });
  const stop = new AbortController();
  try {
    await ensureToyModel(database.db, store, await runtime.tf(), { pretrainSteps: 400 });
    const { run } = await createRun(database.db, {
      model: 'toy-ddpm',
      preset: 'smoke',
      config: CONFIG,
      id: 'reference',
    });
    const workers = startNeon({ database, steps: runtime.steps, signal: stop.signal, pollMs: 200 });
    let row = await getRun(database.db, run.id);
    while (row && !FINAL_RUN_STATES.includes(row.state)) {
      await new Promise((r) => setTimeout(r, 100));
      row = await getRun(database.db, run.id);
    }
    stop.abort();
    await workers;
    assert.equal(row?.state, 'succeeded', row?.error ?? '');
    return orderedSummary((row!.result as RunFacts).summary!);
  } finally {
    stop.abort();
    await runtime.close();
    await database.close();
  }
}

/** Kill points, in run order: a job start line of each phase. */
const KILLS: [string, RegExp][] = [
  ['synthesis', /job neon\.synthesize started/],
  ['self-training', /job neon\.selftrain started/],
  // a trial on all 256 selection seeds: multi-fidelity's upper rung, which reuses its low-rung statistics
  ['sweep', /sweeping: job neon\.trial started \(run:[^:]+:trial:select:n256:/],
  ['report', /reporting: job neon\.trial started \(run:[^:]+:trial:report:/],
];

const postgresSkipped = await postgresSkip();
const backends = (process.env.NEON_CRASH_BACKENDS ?? (postgresSkipped ? 'pglite' : 'postgres'))
  .split(',')
  .map((s) => s.trim());
if (postgresSkipped && !process.env.NEON_CRASH_BACKENDS)
  console.log(`# crash test: Postgres variant skipped, running on PGlite: ${postgresSkipped}`);

test('kill -9 in every phase, restart: same result, nothing done twice, no torn artifact', {
  timeout: 600_000,
}, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'neon-crash-'));
  const configPath = join(home, 'config.json');
  await writeFile(configPath, JSON.stringify(CONFIG));
  const base = { NEON_HOME: home, NEON_TOY_PRETRAIN_STEPS: '400', DATABASE_URL: '' };
  try {
    const expected = await referenceRun(home);

    for (const backend of backends) {
      const env: NodeJS.ProcessEnv = { ...base };
      let schema: string | undefined;
      if (backend === 'postgres') {
        schema = `neon_crash_${randomBytes(4).toString('hex')}`;
        env.DATABASE_URL = await reachablePostgresUrl(postgresTestUrls());
        env.NEON_DB_SCHEMA = schema;
      }
      const runId = `crash-${backend}`;
      const kills: string[] = [];
      for (const [phase, pattern] of KILLS) {
        const r = await neonRun(env, runId, configPath, pattern);
        assert.equal(
          r.signal,
          'SIGKILL',
          `${backend}: the run was not killed during ${phase} (exit ${r.code}):\n${r.stderr.slice(-2000)}`,
        );
        kills.push(`${phase}: ${r.killedAt}`);
      }
      const last = await neonRun(env, runId, configPath);
      assert.equal(last.code, 0, last.stderr.slice(-3000));
      t.diagnostic(`${backend}: killed at\n  ${kills.join('\n  ')}`);
      assert.deepEqual(comparable(lastJson(last.stdout)), comparable(expected));

      const database = await openDatabase(
        backend === 'postgres' ? { url: env.DATABASE_URL, schema } : { dataDir: join(home, 'db') },
      );
      try {
        const db = database.db;
        const runJobs = await db
          .select()
          .from(jobs)
          .where(like(jobs.key, `run:${runId}:%`));
        assert.ok(
          runJobs.every((j) => j.state === 'succeeded'),
          'every job of the run succeeded',
        );
        const done = await db
          .select({ key: sql<string>`${events.payload}->>'key'`, n: sql<number>`count(*)::int` })
          .from(events)
          .where(and(eq(events.type, 'job.succeeded'), eq(events.subject, `run:${runId}`)))
          .groupBy(sql`${events.payload}->>'key'`);
        assert.equal(done.length, runJobs.length, 'one completion per job');
        assert.ok(
          done.every((d) => d.n === 1),
          `a job completed twice: ${JSON.stringify(done.filter((d) => d.n !== 1))}`,
        );
        const trialRows = await db.select().from(trials).where(eq(trials.runId, runId));
        const trialJobs = runJobs.filter((j) => j.type === 'neon.trial');
        assert.equal(trialRows.length, trialJobs.length, 'one job per trial');
        assert.ok(trialRows.every((tr) => tr.state === 'done'));
        const retried = runJobs.filter((j) => j.attempts > 1).map((j) => `${j.key} (${j.attempts} attempts)`);
        t.diagnostic(
          `${backend}: ${runJobs.length} jobs, ${trialRows.length} trials; interrupted and retried: ${retried.join(', ') || 'none'}`,
        );
      } finally {
        if (schema) await database.db.execute(sql.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
        await database.close();
      }
    }
    const artifacts = await checkStore(join(home, 'artifacts'));
    t.diagnostic(`${artifacts} artifacts, all whole`);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
