// npm run bench:sweep [-- --reduced | --select N --rung N --report N --synth N --steps N] — multi-fidelity selection
// (--reduced: 320 selection seeds, rung 64, 1,000 report seeds, |S| 1,000, 150 self-training steps; the default
// preset's sizes, 5,000 / 600 / 10,000 / 6,000 / 300, take tens of minutes on two cores)
// against the full-count procedure, side by side in one run on fmnist-flow with the default preset's grid: the same
// synthetic set and snapshots, then each selection driven to its choice through the run's own trial step (merge,
// sample, features, statistics); trials, samples drawn, wall time, the chosen (snapshot, w, guidance) and its FID
// on the report seeds. Then the miss rate: selection replayed on a synthetic surface with the noise this run
// measured (shared/neon/selection-replay.ts). The machine's load is printed beside the figures.
// Goal (issue: a Neon run in a third of the time): ≤ 1/3 of the samples and wall time, the same chosen point or one
// whose report FID is within 1%.
import { loadavg, tmpdir } from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { intFlag, parseFlags } from '../cli/flags.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { parseManifest } from '../shared/models/manifest.ts';
import { resolveRunConfig, type RunConfig } from '../shared/neon/run-config.ts';
import {
  planSelection,
  pooledNoise,
  selectionKey,
  type Fidelity,
  type TrialScore,
} from '../shared/neon/multi-fidelity.ts';
import { pointKey, type ScoredPoint } from '../shared/neon/sweep.ts';
import { replaySelection } from '../shared/neon/selection-replay.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import { createNeonRuntime } from '../services/orchestrator/runtime.ts';
import { sweepFidelity, sweepGrid, withModelDefaults } from '../services/orchestrator/orchestrator.ts';
import type { BaseModel, StatsChunk, StepContext } from '../services/orchestrator/steps.ts';

const flags = parseFlags(process.argv.slice(2), {
  boolean: ['reduced'],
  string: ['select', 'rung', 'report', 'synth', 'steps', 'replicates', 'model'],
});
const reduced = flags.booleans.has('reduced');
const model = flags.values.get('model') ?? 'fmnist-flow';
const select = intFlag(flags, 'select', { min: 8, max: 50_000 }) ?? (reduced ? 320 : 5000);
const rung = intFlag(flags, 'rung', { min: 4, max: 50_000 }) ?? (reduced ? 64 : 600);
const report = intFlag(flags, 'report', { min: 8, max: 50_000 }) ?? (reduced ? 1000 : 10_000);
const synth = intFlag(flags, 'synth', { min: 64, max: 60_000 }) ?? (reduced ? 1000 : 6000);
const steps = intFlag(flags, 'steps', { min: 3, max: 100_000 }) ?? (reduced ? 150 : 300);
const replicates = intFlag(flags, 'replicates', { min: 1, max: 10_000 }) ?? 200;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const home = await mkdtemp(join(tmpdir(), 'neon-bench-sweep-'));
const store = new ArtifactStore(join(home, 'artifacts'));
const runtime = createNeonRuntime({ store });
const ctx: StepContext = { signal: new AbortController().signal, progress: async () => {} };
try {
  const folder = join(REPO_ROOT, 'models', model);
  const manifest = parseManifest(JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')), model);
  const artifact = await store.put(await readFile(join(folder, 'model.onnx')), 'onnx', { model });
  const base: BaseModel = { model, versionId: 0, artifactId: artifact.id, manifest };
  const config: RunConfig = withModelDefaults(
    resolveRunConfig('default', {
      synthesis: { n: synth, seeds: { first: 0, count: synth } },
      selftrain: { steps, snapshot_every: Math.max(1, Math.round(steps / 3)) },
      sweep: { fidelity: { rungs: [rung / select] } },
      selection: { seeds: { first: 100_000, count: select } },
      report: { seeds: { first: 200_000, count: report } },
    }),
    manifest,
  );
  const grid = sweepGrid(config);
  console.log(
    `bench:sweep ${model}  ${select === 5000 && rung === 600 && report === 10_000 && synth === 6000 && steps === 300 ? "the default preset's sizes" : 'reduced sizes'}: |S| ${synth}, self-training ${steps} steps, snapshots ${grid.snapshots.join(', ')}`,
  );
  console.log(
    `grid: w {${grid.wGrid.join(', ')}} × guidance {${grid.cfgGrid.join(', ')}} (extend ≤ ${grid.cfgExtend} per end), tolerance max(${grid.tolerance}, ${grid.toleranceRel} × best), refine ±${grid.refineStep}`,
  );
  console.log(
    `selection seeds ${select} (multi-fidelity: rung ${rung}, z ${config.sweep.fidelity!.z}, ≤ ${config.sweep.fidelity!.max_contenders} contenders), report seeds ${report}; load ${load()}`,
  );
  let t = performance.now();
  const set = await runtime.steps.synthesize(base, config, ctx);
  const trained = await runtime.steps.selfTrain(base, config, set.sample_set, ctx);
  console.log(
    `synthesis + self-training: ${((performance.now() - t) / 1000).toFixed(1)} s (not part of the comparison)`,
  );

  async function selectWith(fidelity: Fidelity | null) {
    const started = performance.now();
    const loadBefore = load();
    const results = new Map<string, TrialScore>();
    const chunks = new Map<string, StatsChunk[]>();
    let samples = 0;
    for (;;) {
      const plan = planSelection(grid, select, fidelity, results);
      if (plan.done) {
        return {
          plan,
          scores: results,
          samples,
          trials: results.size,
          seconds: (performance.now() - started) / 1000,
          load: `${loadBefore} → ${load()}`,
        };
      }
      for (const p of plan.pending) {
        const snapshot = p.snapshot === null ? null : trained.snapshots.find((s) => s.step === p.snapshot)!;
        const r = await runtime.steps.trial(
          base,
          config,
          {
            snapshot,
            w: p.w,
            cfg: p.cfg,
            seeds: { first: config.selection.seeds.first, count: p.n },
            halves: !!fidelity && p.n === fidelity.rungs[0],
            reuse: chunks.get(pointKey(p)) ?? [],
          },
          ctx,
        );
        samples += r.sampled;
        chunks.set(pointKey(p), r.chunks);
        results.set(
          selectionKey(p, p.n, fidelity),
          r.fid_halves ? { fid: r.fid, halves: r.fid_halves } : { fid: r.fid },
        );
      }
    }
  }
  const full = await selectWith(null);
  const multi = await selectWith(sweepFidelity(config));

  t = performance.now();
  const reportFid = new Map<string, number>();
  for (const p of [full.plan.best!, multi.plan.best!]) {
    if (reportFid.has(pointKey(p))) continue;
    const snapshot = p.snapshot === null ? null : trained.snapshots.find((s) => s.step === p.snapshot)!;
    reportFid.set(
      pointKey(p),
      (await runtime.steps.trial(base, config, { snapshot, w: p.w, cfg: p.cfg, seeds: config.report.seeds }, ctx)).fid,
    );
  }
  const describe = (p: ScoredPoint) => `(${p.snapshot ?? 'base'}, ${p.w}, ${p.cfg})`;
  const rows = [
    [
      'selection',
      'trials',
      'samples',
      'wall s',
      'chosen (snapshot, w, guidance)',
      'FID select',
      'FID report',
      'base guidance',
      'load (1/5/15 min)',
    ],
    ...(
      [
        ['full count', full],
        ['multi-fidelity', multi],
      ] as const
    ).map(([name, r]) => [
      name,
      String(r.trials),
      String(r.samples),
      r.seconds.toFixed(1),
      describe(r.plan.best!),
      r.plan.best!.fid.toFixed(3),
      reportFid.get(pointKey(r.plan.best!))!.toFixed(3),
      String(r.plan.base!.cfg),
      r.load,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const fr = reportFid.get(pointKey(full.plan.best!))!;
  const mr = reportFid.get(pointKey(multi.plan.best!))!;
  const same = pointKey(full.plan.best!) === pointKey(multi.plan.best!);
  console.log(
    `ratio multi/full: samples ${(multi.samples / full.samples).toFixed(3)} (goal ≤ 0.333)   wall ${(multi.seconds / full.seconds).toFixed(3)} (goal ≤ 0.333)`,
  );
  console.log(
    `chosen point: ${same ? 'the same' : 'different'}; report FID multi/full ${(mr / fr).toFixed(4)} (goal: same point or within 1%: ${same || Math.abs(mr / fr - 1) <= 0.01 ? 'met' : 'missed'})   report trials ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // the miss rate: selection replayed with the noise measured here, at this run's sizes and the preset's
  const n0 = multi.plan.rungs[0];
  const low = [...multi.scores].filter(([k]) => k.startsWith(`n${rung}:`)).map(([, v]) => v);
  const sigma0 = pooledNoise(low);
  console.log(
    `rung ${rung}: noise of one FID σ = ${sigma0.toFixed(3)} (pooled from ${low.length} split halves; ${((100 * sigma0) / multi.plan.best!.fid).toFixed(2)}% of the best FID), margin ${n0.margin.toFixed(3)}, ${n0.contenders.length} contenders`,
  );
  const fidelity = sweepFidelity(config)!;
  const preset = resolveRunConfig('default');
  const presetRung = sweepFidelity(withModelDefaults(preset, manifest))!.rungs[0];
  for (const [label, N, r0] of [
    [`this run (${select}/${rung})`, select, rung],
    [`the preset (${preset.selection.seeds.count}/${presetRung})`, preset.selection.seeds.count, presetRung],
  ] as const) {
    for (const rho of [0, 0.5]) {
      const o = replaySelection({
        grid,
        fidelity: { ...fidelity, rungs: [r0] },
        full: N,
        sigmaFull: sigma0 * Math.sqrt(rung / N),
        rho,
        replicates,
        seed: 7,
      });
      console.log(
        `replay ${label}, σ at full ${(sigma0 * Math.sqrt(rung / N)).toFixed(3)}, common-noise share ρ ${rho}, ${o.replicates} replicates: winner dropped ${((o.dropped / o.replicates) * 100).toFixed(1)}%` +
          `, same choice ${((o.same / o.replicates) * 100).toFixed(1)}%, true FID > 1% worse ${((o.worseBy1pct / o.replicates) * 100).toFixed(1)}%, samples ${o.sampleRatio.toFixed(3)} of full`,
      );
    }
  }
} finally {
  await runtime.close();
  await rm(home, { recursive: true, force: true });
}
