// `neon run`: a whole Neon run in this process — synthesize, self-train, sweep on the selection seeds, report on
// the disjoint report seeds, promote — with the job workers and the orchestrator loop over the configured
// database. Runs are resumable: `--run-id ID` again after a crash picks the run up where its event log left it.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, choiceFlag, intFlag, parseFlags } from './flags.ts';
import { Progress } from './progress.ts';
import { openDatabase, type Database } from '../shared/db/database.ts';
import { FolderLockedError, folderLockHolder } from '../shared/files/folder-lock.ts';
import { databaseConfigFromEnv } from '../shared/db/config.ts';
import { neonHome } from '../shared/config/neon-home.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import { subscribeEvents } from '../shared/events/subscribe.ts';
import { resolveModel } from '../shared/registry/registry.ts';
import { PRESETS, type PresetName } from '../shared/neon/run-config.ts';
import { createNeonRuntime } from '../services/orchestrator/runtime.ts';
import { ensureToyModel, TOY_MODEL } from '../services/orchestrator/models.ts';
import { registerShippedModel } from '../shared/serving/register-shipped.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { cancelRun, createRun, RunError } from '../services/orchestrator/orchestrator.ts';
import {
  FINAL_RUN_STATES,
  getRun,
  isRunId,
  orderedSummary,
  runSubject,
  type RunFacts,
  type RunSummary,
} from '../services/orchestrator/run-records.ts';
import { startNeon } from '../services/orchestrator/workers.ts';

const HELP = `usage: neon run --model NAME [--preset smoke|default|paper] [--config FILE.json] [--run-id ID] [--json]
       neon run --cancel ID

Runs Neon on a registered model (or one shipped under models/<name>/, or the 2-d toy '${TOY_MODEL}'):
synthesize S from the base, self-train on S with snapshots, sweep snapshot × w × guidance on the selection seeds
(a line stops when FID rises more than the tolerance above its best; refine ±step around the frozen best), score
the chosen point and the base's best guidance scale on the report seeds, and promote the winner as
<model>@neon-<run> (alias <model>@neon). When w = 0 (the base itself) wins, the run reports "no improvement" and
promotes nothing, unless the config sets "promote": "always".

  --model NAME        the base model (registry reference)
  --preset P          smoke (minutes), default, or paper (the paper's sizes); default: default
  --config FILE       JSON merged over the preset (e.g. {"sweep": {"cfg_grid": [1, 1.5, 2]}})
  --run-id ID         name the run; the same id again resumes it
  --lease-ms N        job lease (default 30000): a crashed worker's job is retried after this long
  --json              print one JSON object on the last line of stdout
  --cancel ID         cancel a run that has not finished (through the server when one holds NEON_HOME)
Environment: NEON_HOME (data folder), DATABASE_URL (Postgres instead of the embedded PGlite),
NEON_TOY_PRETRAIN_STEPS (pretraining of the toy base, default 3000).`;

function intEnv(name: string): number | undefined {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

function fmt(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? '-' : x.toFixed(digits);
}

function table(s: RunSummary): string {
  const rows = [
    ['', 'snapshot', 'w', 'cfg', 'FID select', 'FID report'],
    ['base', '-', '0', String(s.base.cfg), fmt(s.base.fid_select), fmt(s.base.fid_report)],
    [
      'neon',
      String(s.best.snapshot ?? '-'),
      String(s.best.w),
      String(s.best.cfg),
      fmt(s.best.fid_select),
      fmt(s.best.fid_report),
    ],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padStart(widths[i])).join('  '));
  return [
    ...lines,
    '',
    `trials: ${s.trials.length}   selection seeds ${s.seeds.select[0]}–${s.seeds.select[1]}   report seeds ${s.seeds.report[0]}–${s.seeds.report[1]}`,
    `self-training compute: ${s.compute.selftrain_ratio === null ? 'unknown' : `${(100 * s.compute.selftrain_ratio).toFixed(3)}% of pretraining`}`,
    s.best.w === 0
      ? `no improvement: w = 0 (the base itself) scored best; ${s.promoted ? `promoted anyway as ${s.promoted}` : 'nothing promoted (config "promote": "always" registers it anyway)'}`
      : `promoted: ${s.promoted ?? 'no'}`,
  ].join('\n');
}

export const runCommand: Command = {
  summary: 'a Neon run: synthesize, self-train, sweep, report, promote (resumable)',
  async run(argv) {
    const flags = parseFlags(argv, {
      boolean: ['json', 'help'],
      string: ['model', 'preset', 'config', 'run-id', 'lease-ms', 'cancel'],
    });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const cancel = flags.values.get('cancel');
    if (cancel !== undefined) return cancelRunCommand(cancel, flags.booleans.has('json'));
    const model = flags.values.get('model');
    if (!model) throw new UsageError('--model is required');
    const preset: PresetName = choiceFlag(flags, 'preset', PRESETS) ?? 'default';
    const leaseMs = intFlag(flags, 'lease-ms', { min: 100 }) ?? 30_000;
    let overrides: unknown;
    const configPath = flags.values.get('config');
    if (configPath) {
      try {
        overrides = JSON.parse(await readFile(configPath, 'utf8'));
      } catch (err) {
        throw new UsageError(`--config ${configPath}: ${(err as Error).message}`);
      }
    }
    const json = flags.booleans.has('json');
    const progress = new Progress();

    const database = await openHomeDatabase();
    const store = new ArtifactStore(join(neonHome(), 'artifacts'));
    const runtime = createNeonRuntime({ store });
    const stop = new AbortController();
    try {
      const db = database.db;
      if (!(await resolveModel(db, model))) {
        const name = model.split('@')[0];
        if (name === TOY_MODEL) {
          progress.update(`pretraining the 2-d toy base model ${TOY_MODEL}`);
          await ensureToyModel(db, store, await runtime.tf(), { pretrainSteps: intEnv('NEON_TOY_PRETRAIN_STEPS') });
        } else await registerShippedModel(db, store, join(REPO_ROOT, 'models'), name);
      }
      let runId: string;
      try {
        const { run, created } = await createRun(db, {
          model,
          preset,
          config: overrides,
          id: flags.values.get('run-id'),
        });
        runId = run.id;
        progress.update(
          `${created ? 'run' : 'resuming run'} ${runId} (${model}, preset ${preset}, state ${run.state})`,
        );
      } catch (err) {
        if (err instanceof RunError && err.status !== 409)
          throw new UsageError(
            `${err.param ? `--${err.param === 'id' ? 'run-id' : err.param.split('.')[0]}: ` : ''}${err.message}`,
          );
        throw err;
      }
      const workers = startNeon({ database, steps: runtime.steps, signal: stop.signal, leaseMs, pollMs: 500 });
      let phase = 'pending';
      let final: string | undefined;
      for await (const e of subscribeEvents(database, {
        subject: runSubject(runId),
        after: 0,
        pollMs: 500,
        signal: stop.signal,
      })) {
        const p = e.payload as Record<string, any>;
        if (e.type === 'neon.run.phase') {
          phase = p.to;
          progress.update(`phase ${phase}`);
        } else if (e.type === 'job.started')
          progress.update(`${phase}: job ${p.job_type} started (${p.key}, attempt ${p.attempt})`);
        else if (e.type === 'job.progress' && p.progress?.total)
          progress.update(
            `${phase}: ${p.key.split(':').slice(2).join(':')}`,
            p.progress.done,
            p.progress.total,
            p.progress.loss !== undefined ? `loss ${Number(p.progress.loss).toFixed(4)}` : '',
          );
        else if (e.type === 'job.retrying')
          progress.update(`${phase}: job ${p.key} retrying (${p.reason}: ${p.error ?? ''})`);
        else if (e.type === 'neon.trial.done') progress.update(`trial ${p.key}: FID ${fmt(p.fid)}`);
        else if (e.type === 'neon.run.succeeded' || e.type === 'neon.run.failed') {
          final = e.type;
          break;
        }
      }
      progress.done();
      stop.abort();
      await workers;
      const run = (await getRun(db, runId))!;
      if (!FINAL_RUN_STATES.includes(run.state) || run.state === 'failed' || final === 'neon.run.failed') {
        console.error(`neon run: run ${runId} ${run.state}${run.error ? `: ${run.error}` : ''}`);
        return 1;
      }
      const summary = orderedSummary((run.result as RunFacts).summary!);
      console.log(table(summary));
      if (json) console.log(JSON.stringify(summary));
      return 0;
    } finally {
      stop.abort();
      await runtime.close();
      await database.close();
    }
  },
};

/**
 * The configured database. PGlite under NEON_HOME is one process's alone: when a server holds it, a run started here
 * would be lost to that server, so this stops and says where to send the run instead.
 */
async function openHomeDatabase(): Promise<Database> {
  try {
    return await openDatabase(databaseConfigFromEnv());
  } catch (err) {
    if (!(err instanceof FolderLockedError)) throw err;
    const where = err.holder.url
      ? `submit it to the server instead (POST ${err.holder.url}/v1/neon/runs, or its console)`
      : 'wait for it to finish or stop it';
    throw new UsageError(
      `${err.folder} is in use by process ${err.holder.pid}; ${where}, or set DATABASE_URL to share a PostgreSQL database`,
    );
  }
}

/** `--cancel ID`: through the server's API when a server holds NEON_HOME, else in the database directly. */
async function cancelRunCommand(id: string, json: boolean): Promise<number> {
  if (!isRunId(id))
    throw new UsageError(
      `--cancel: '${id.slice(0, 100)}' is not a run id (lower-case letters, digits and "-", at most 48)`,
    );
  let run: { id: string; state: string; error?: string | null };
  const config = databaseConfigFromEnv();
  const holder = config.url ? undefined : folderLockHolder(resolve(config.dataDir!));
  if (holder?.url) {
    const token = (process.env.NEON_API_TOKENS ?? '')
      .split(',')
      .map((t) => t.trim())
      .find((t) => t !== '');
    let res: Response;
    try {
      res = await fetch(`${holder.url}/v1/neon/runs/${id}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: '{}',
      });
    } catch (err) {
      throw new UsageError(
        `--cancel: the server at ${holder.url} (process ${holder.pid}) did not answer: ${(err as Error).message}`,
      );
    }
    const body = (await res.json().catch(() => ({}))) as {
      id?: string;
      state?: string;
      error?: { message?: string } | string | null;
    };
    if (!res.ok)
      throw new UsageError(
        `--cancel: ${typeof body.error === 'object' && body.error?.message ? body.error.message : `HTTP ${res.status}`}`,
      );
    run = { id: String(body.id), state: String(body.state) };
  } else {
    const database = await openHomeDatabase();
    try {
      run = await cancelRun(database.db, id);
    } catch (err) {
      if (err instanceof RunError) throw new UsageError(`--cancel: ${err.message}`);
      throw err;
    } finally {
      await database.close();
    }
  }
  console.error(`neon run: run ${run.id} ${run.state}${run.error ? ` (${run.error})` : ''}`);
  if (json) console.log(JSON.stringify({ id: run.id, state: run.state }));
  return 0;
}
