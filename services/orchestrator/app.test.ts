// The orchestrator over HTTP, end to end on the 2-d toy: create a run (behind bearer auth), let the workers and
// the loop advance it, follow it over server-sent events, read the result, and find the promoted version in the
// registry. Also pins the sweep's bookkeeping: trial rows match the selection procedure replayed on their FIDs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/db/database.ts';
import { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { resolveModel } from '../../shared/registry/registry.ts';
import { pointKey } from '../../shared/neon/sweep.ts';
import { planSelection } from '../../shared/neon/multi-fidelity.ts';
import { createOrchestratorApp } from './app.ts';
import { databaseReady } from './mount.ts';
import { composeApp } from '../compose-app.ts';
import { createNeonRuntime } from './runtime.ts';
import { ensureToyModel, TOY_MODEL } from './models.ts';
import { startNeon } from './workers.ts';
import { sweepFidelity, sweepGrid } from './orchestrator.ts';
import { runConfigSchema } from '../../shared/neon/run-config.ts';

const CONFIG = {
  synthesis: { n: 256, seeds: { first: 0, count: 256 } },
  selftrain: { steps: 20, snapshot_every: 10, batch: 64, lr: 3e-4 },
  sweep: { w_grid: [0, 0.5, 1, 2], cfg_grid: [1.1], batch: 256, fidelity: { rungs: [0.25], max_contenders: 3 } },
  selection: { seeds: { first: 10_000, count: 256 } },
  report: { seeds: { first: 20_000, count: 512 } },
};

test('POST a run, follow its events, read the result, find the promoted model', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-orch-app-'));
  const database = await openDatabase({ memory: true });
  const store = new ArtifactStore(join(dir, 'artifacts'));
  const runtime = createNeonRuntime({ store });
  const stop = new AbortController();
  let workers: Promise<void> | undefined;
  try {
    const app = composeApp(
      'orchestrator',
      [{ app: createOrchestratorApp({ database, pollMs: 100 }), ready: databaseReady(database) }],
      { tokens: ['s3cret'] },
    );
    const auth = { authorization: 'Bearer s3cret', 'content-type': 'application/json' };
    const post = (body: unknown, headers: Record<string, string> = auth) =>
      app.request('/v1/neon/runs', { method: 'POST', headers, body: JSON.stringify(body) });

    assert.equal((await post({ model: TOY_MODEL }, { 'content-type': 'application/json' })).status, 401);
    const missing = await post({ model: TOY_MODEL, preset: 'smoke' });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.param, 'model');

    await ensureToyModel(database.db, store, await runtime.tf(), { pretrainSteps: 300 });
    const bad = await post({
      model: TOY_MODEL,
      preset: 'smoke',
      config: { selection: CONFIG.selection, report: { seeds: { first: 10_100, count: 10 } } },
    });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /report.seeds: overlaps selection.seeds/);
    assert.equal((await post({ model: TOY_MODEL, preset: 'huge' })).status, 400);

    const created = await post({ model: TOY_MODEL, preset: 'smoke', config: CONFIG, id: 'app-run' });
    assert.equal(created.status, 201);
    assert.equal((await created.json()).state, 'pending');
    assert.equal(
      (await post({ model: TOY_MODEL, preset: 'smoke', config: CONFIG, id: 'app-run' })).status,
      200,
      'same id and config: the same run',
    );
    assert.equal(
      (await post({ model: TOY_MODEL, preset: 'smoke', config: { ...CONFIG, promote: false }, id: 'app-run' })).status,
      409,
    );

    workers = startNeon({ database, steps: runtime.steps, signal: stop.signal, pollMs: 100 });
    const sse = await app.request('/v1/neon/runs/app-run/events');
    assert.equal(sse.status, 200);
    const text = await sse.text(); // ends after the run's final event
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    assert.equal(types[0], 'neon.run.created');
    assert.equal(types[types.length - 1], 'neon.run.succeeded');
    const phases = [...text.matchAll(/"type":"neon\.run\.phase".*?"to":"([a-z-]+)"/g)].map((m) => m[1]);
    assert.deepEqual(phases, ['synthesizing', 'self-training', 'sweeping', 'reporting', 'promoting']);
    // every job of the run reports progress (done of total) on the run's stream, ending at its total
    const progress = new Map<string, { done: number; total: number }[]>();
    for (const m of text.matchAll(/^event: job\.progress\ndata: (.+)$/gm)) {
      const p = JSON.parse(m[1]).payload;
      progress.set(p.job_type, [...(progress.get(p.job_type) ?? []), p.progress]);
    }
    assert.deepEqual([...progress.keys()].sort(), ['neon.promote', 'neon.selftrain', 'neon.synthesize', 'neon.trial']);
    for (const [type, ps] of progress)
      assert.ok(
        ps.every((p) => p.done >= 1 && p.done <= p.total) && ps.some((p) => p.done === p.total),
        `${type}: ${JSON.stringify(ps)}`,
      );
    assert.ok(
      progress.get('neon.selftrain')!.every((p) => Number.isFinite((p as { loss?: number }).loss)),
      'self-training progress carries the loss',
    );

    const got = await (await app.request('/v1/neon/runs/app-run')).json();
    assert.equal(got.state, 'succeeded');
    const r = got.result;
    assert.deepEqual(Object.keys(r), ['run_id', 'model', 'base', 'best', 'promoted', 'trials', 'seeds', 'compute']);
    assert.deepEqual(r.seeds, { select: [10_000, 10_255], report: [20_000, 20_511] });
    assert.equal(r.promoted, `${TOY_MODEL}@neon-app-run`);
    assert.ok(r.compute.selftrain_ratio > 0 && r.compute.selftrain_ratio < 0.05);
    assert.ok(Number.isFinite(r.best.fid_report) && Number.isFinite(r.base.fid_report));

    // the trials are exactly the selection procedure (multi-fidelity, the smoke preset's) replayed on their own FIDs
    const config = runConfigSchema.parse(got.config);
    const fidelity = sweepFidelity(config);
    assert.ok(fidelity, 'the smoke preset selects with multi-fidelity');
    type Row = { key: string; fid_select: number; n: number; sampled: number; fid_halves: [number, number] | null };
    const selected: Row[] = got.trials.filter((t: { phase: string }) => t.phase === 'select');
    const results = new Map(
      selected.map((t) => [
        t.key.slice('select:'.length),
        t.fid_halves ? { fid: t.fid_select, halves: t.fid_halves } : { fid: t.fid_select },
      ]),
    );
    const plan = planSelection(sweepGrid(config), config.selection.seeds.count, fidelity, results);
    assert.ok(plan.done);
    assert.equal(plan.visited.length, selected.length, 'no trial outside the procedure');
    assert.equal(pointKey(plan.best!), pointKey(r.best));
    assert.equal(plan.base!.cfg, r.base.cfg);
    // every key carries its count; the low rung measured its halves; a full-count trial only sampled the new seeds
    const n0 = fidelity.rungs[0];
    for (const t of selected) {
      assert.match(t.key, new RegExp(`^select:n${t.n}:`));
      if (t.n === n0) assert.ok(t.fid_halves && t.sampled === n0, t.key);
      else assert.equal(t.sampled, t.n - n0, `${t.key} reuses its ${n0} low-rung samples`);
    }
    assert.ok(
      selected.some((t) => t.n === config.selection.seeds.count),
      'contenders reach the full count',
    );
    assert.deepEqual(
      r.trials.map((t: { n: number }) => t.n),
      selected.map((t) => t.n),
    );
    // the base at each guidance scale and count is measured once, whatever the snapshot
    const baseKeys = selected.filter((t) => t.key.includes(':base:')).map((t) => t.key);
    assert.equal(new Set(baseKeys).size, baseKeys.length);
    assert.ok(!selected.some((t) => /:s\d+:w0:/.test(t.key)));
    const report = got.trials.filter((t: { phase: string }) => t.phase === 'report');
    assert.ok(report.length >= 1 && report.length <= 2);

    const promoted = await resolveModel(database.db, `${TOY_MODEL}@neon`);
    assert.equal(promoted?.version.tag, 'neon-app-run');
    assert.equal(promoted?.version.w, r.best.w);
    assert.equal(promoted?.version.snapshot, r.best.snapshot);
    assert.ok(await store.has(promoted!.version.artifactId));

    const list = await (await app.request('/v1/neon/runs')).json();
    assert.deepEqual(
      list.data.map((x: { id: string }) => x.id),
      ['app-run'],
    );
    assert.equal((await app.request('/v1/neon/runs/nope')).status, 404);
    assert.equal((await app.request('/v2/health/ready')).status, 200);
  } finally {
    stop.abort();
    await workers;
    await runtime.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('run configs are bounded and strict; a run that has not finished can be cancelled', {
  timeout: 180_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-orch-cancel-'));
  const database = await openDatabase({ memory: true });
  const store = new ArtifactStore(join(dir, 'artifacts'));
  const runtime = createNeonRuntime({ store });
  try {
    const app = composeApp(
      'orchestrator',
      [{ app: createOrchestratorApp({ database, pollMs: 100 }), ready: databaseReady(database) }],
      { tokens: ['s3cret'] },
    );
    const auth = { authorization: 'Bearer s3cret', 'content-type': 'application/json' };
    const post = (body: unknown) =>
      app.request('/v1/neon/runs', { method: 'POST', headers: auth, body: JSON.stringify(body) });
    await ensureToyModel(database.db, store, await runtime.tf(), { pretrainSteps: 10 });
    // every config field is bounded and an unknown one is refused, naming its path
    for (const [config, param] of [
      [{ selftrain: { step: 10 } }, 'config.selftrain.step'],
      [{ selftrain: { steps: 1e15 } }, 'config.selftrain.steps'],
      [{ synthesis: { n: 512, batch: 1e12 } }, 'config.synthesis.batch'],
    ] as const) {
      const res = await post({ model: TOY_MODEL, preset: 'smoke', config });
      assert.equal(res.status, 400, JSON.stringify(config));
      assert.equal((await res.json()).error.param, param);
    }
    assert.equal((await post({ model: TOY_MODEL, preset: 'smoke', config: CONFIG, id: 'to-cancel' })).status, 201);
    const cancel = (id: string, headers: Record<string, string> = auth) =>
      app.request(`/v1/neon/runs/${id}/cancel`, { method: 'POST', headers });
    assert.equal((await cancel('to-cancel', { 'content-type': 'application/json' })).status, 401);
    const cancelled = await cancel('to-cancel');
    assert.equal(cancelled.status, 200);
    assert.deepEqual(await cancelled.json().then((j) => [j.state, j.error]), ['failed', 'cancelled']);
    assert.equal((await cancel('to-cancel')).status, 200, 'cancelling again is a no-op');
    assert.equal((await (await app.request('/v1/neon/runs/to-cancel')).json()).state, 'failed');
    const events = await (await app.request('/v1/neon/runs/to-cancel/events')).text();
    assert.match(events, /event: neon\.run\.failed[\s\S]*"cancelled":true/);
    // ids that name no run, NUL included, are a 4xx (the NUL never reaches the database)
    for (const [id, status] of [
      ['nope', 404],
      ['%00', 400],
      ['a%00b', 400],
      ['x'.repeat(60), 404],
    ] as const) {
      assert.equal((await cancel(id)).status, status, id);
      assert.equal((await app.request(`/v1/neon/runs/${id}`)).status, status, id);
    }
    assert.equal(
      (await (await createOrchestratorApp({ database }).request('/v1/neon/runs/a%00b')).json()).error.code,
      'not_found',
      'the app alone',
    );
  } finally {
    await runtime.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});
