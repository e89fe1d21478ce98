// A run whose sweep chooses w = 0 (the base itself) is "no improvement": it succeeds without promoting a copy of θr,
// unless its config says "promote": "always". The steps here are stand-ins whose FID grows with w, so the sweep's
// choice is known; the orchestrator, the job queue, the workers and the registry are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/db/database.ts';
import { writeTinyFlowModel } from '../../shared/families/test-fixtures/tiny-flow.ts';
import { snapshotSteps } from '../../shared/neon/run-config.ts';
import { listModelVersions, resolveModel } from '../../shared/registry/registry.ts';
import { registerShippedModel } from '../../shared/serving/register-shipped.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { createRun } from './orchestrator.ts';
import { getRun, type RunFacts } from './run-records.ts';
import type { NeonSteps } from './steps.ts';
import { startNeon } from './workers.ts';

const CONFIG = {
  synthesis: { n: 16, seeds: { first: 0, count: 16 } },
  selftrain: { steps: 4, snapshot_every: 2, batch: 4, lr: 1e-4 },
  sweep: { w_grid: [0, 0.5, 1], cfg_grid: [1] },
  selection: { seeds: { first: 1000, count: 16 } },
  report: { seeds: { first: 2000, count: 16 } },
};

test('w = 0 chosen: no improvement, nothing promoted unless "promote": "always"', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-no-improvement-'));
  const database = await openDatabase({ memory: true });
  const store = new ArtifactStore(join(dir, 'artifacts'));
  const stop = new AbortController();
  const steps: NeonSteps = {
    synthesize: async (_base, config) => ({ sample_set: 'stand-in', n: config.synthesis.n, seconds: 0 }),
    selfTrain: async (base, config) => ({
      snapshots: snapshotSteps(config.selftrain.steps, config.selftrain.snapshot_every).map((step) => ({
        step,
        artifact: base.artifactId,
      })),
      selftrain_ratio: null,
      seconds: 0,
    }),
    // FID rises with w: the base (w = 0) is the best point
    trial: async (_base, _config, input) => ({
      fid: 1 + input.w,
      n: input.seeds.count,
      sampled: input.seeds.count,
      chunks: [],
      features: 'stand-in',
      seconds: 0,
      ...(input.halves ? { fid_halves: [1 + input.w, 1 + input.w] as [number, number] } : {}),
    }),
    materialize: async (base) => ({ artifact: (await store.manifest(base.artifactId))! }),
  };
  const workers = startNeon({ database, steps, signal: stop.signal, pollMs: 100 });
  try {
    await writeTinyFlowModel(join(dir, 'models'));
    await registerShippedModel(database.db, store, join(dir, 'models'), 'tiny-flow');
    const finish = async (id: string) => {
      for (let i = 0; i < 1200; i++) {
        const run = await getRun(database.db, id);
        if (run?.state === 'succeeded' || run?.state === 'failed') return run;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`run ${id} did not finish`);
    };
    await createRun(database.db, { model: 'tiny-flow', preset: 'smoke', config: CONFIG, id: 'plain' });
    const plain = await finish('plain');
    assert.equal(plain.state, 'succeeded', plain.error ?? '');
    const summary = (plain.result as RunFacts).summary!;
    assert.equal(summary.best.w, 0);
    assert.equal(summary.promoted, null);
    assert.deepEqual(
      (await listModelVersions(database.db, 'tiny-flow'))!.versions.map((v) => v.tag),
      ['base'],
    );
    assert.equal(await resolveModel(database.db, 'tiny-flow@neon'), undefined);

    await createRun(database.db, {
      model: 'tiny-flow',
      preset: 'smoke',
      config: { ...CONFIG, promote: 'always' },
      id: 'always',
    });
    const always = await finish('always');
    assert.equal(always.state, 'succeeded', always.error ?? '');
    assert.equal((always.result as RunFacts).summary!.promoted, 'tiny-flow@neon-always');
    assert.equal((await resolveModel(database.db, 'tiny-flow@neon'))?.version.w, 0);
  } finally {
    stop.abort();
    await workers;
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});
