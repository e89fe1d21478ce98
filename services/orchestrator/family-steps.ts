// The steps of a Neon run for any GeneratorFamily (flow, EDM, autoregressive, the 2-d toy) and feature path:
//   synthesize: S = n samples of θr with the user's sampler settings, per-sample seeds      → a sample set (shards + manifest)
//   self-train: θr fine-tuned on S with the family's own loss, snapshots every k steps     → ONNX artifacts θs(k)
//   trial:      θneon(w) = (1+w)·θr − w·θs(k) (mergeCheckpoints) → samples on the selection/report seeds →
//               features → float64 statistics (kept as shard artifacts, chunk by chunk: a trial on more seeds of
//               the same point only samples the new ones) → Fréchet distance to the reference
//   materialize: θneon(w*) as an ONNX artifact, for the registry
import { rm } from 'node:fs/promises';
import type { TF } from '../../shared/engine/tf/tf-backend.ts';
import { TfGraph } from '../../shared/engine/tf/tf-graph.ts';
import type { OrtEngine, OrtModel } from '../../shared/engine/ort/ort-engine.ts';
import type { GeneratorFamily } from '../../shared/families/generator-family.ts';
import type { Manifest } from '../../shared/models/manifest.ts';
import { decodeModel, encodeModel } from '../../shared/onnx/onnx-proto.ts';
import { mergeCheckpoints } from '../../shared/merge/merge-checkpoints.ts';
import { FeatureStats } from '../../shared/metrics/feature-stats.ts';
import { frechetDistance } from '../../shared/metrics/frechet-distance.ts';
import { snapshotSteps, synthesisSeeds, type RunConfig, type SeedRange } from '../../shared/neon/run-config.ts';
import { selfTrainGraph } from '../../shared/train/self-train.ts';
import { withWeights } from '../../shared/models/with-weights.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { generateSamples } from '../../shared/samples/generate-samples.ts';
import { SampleSetReader } from '../../shared/samples/sample-set.ts';
import { synthesizeSampleSet } from '../../shared/samples/synthesize.ts';
import { settingsFromWire } from '../../shared/samplers/sampler-settings.ts';
import type { FidScorer } from './scorer.ts';
import { parseStats, serializeStats } from '../../shared/metrics/stats-file.ts';
import { PermanentJobError } from '../../shared/jobs/job-queue.ts';
import type {
  BaseModel,
  MaterializeResult,
  NeonSteps,
  SelfTrainResult,
  StatsChunk,
  StepContext,
  SynthesisResult,
  TrialInput,
  TrialResult,
} from './steps.ts';

export interface FamilyStepsDeps {
  store: ArtifactStore;
  /** The tfjs namespace (loaded once). */
  tf: () => Promise<TF>;
  ort: OrtEngine;
  /** The family implementation of a model. */
  family: (manifest: Manifest) => Promise<GeneratorFamily>;
  /** The feature path of a model's trials. */
  scorer: (manifest: Manifest) => Promise<FidScorer>;
}

/** The samples of a seed range, as a range of the sample stream. */
const streamRange = (r: SeedRange) => ({ start: r.first, end: r.first + r.count });

export function createFamilySteps(deps: FamilyStepsDeps): NeonSteps {
  const { store, ort } = deps;

  async function withSession<T>(bytes: Uint8Array, fn: (s: OrtModel) => Promise<T>): Promise<T> {
    const session = await ort.load(bytes);
    try {
      return await fn(session);
    } finally {
      await session.release();
    }
  }

  /** θneon(w) as ONNX bytes (merged through the merge core into a temporary file of the store). */
  async function mergedBytes(base: BaseModel, snapshot: TrialInput['snapshot'], w: number): Promise<Uint8Array> {
    if (!snapshot || w === 0) return new Uint8Array(await store.read(base.artifactId));
    const tmp = await store.tempPath('.onnx');
    try {
      await mergeOne(base, snapshot.artifact, w, tmp);
      const { readFile } = await import('node:fs/promises');
      return new Uint8Array(await readFile(tmp));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async function mergeOne(base: BaseModel, snapshotArtifact: string, w: number, out: string) {
    return mergeCheckpoints({
      base: store.pathOf(base.artifactId),
      self: store.pathOf(snapshotArtifact),
      ws: [w],
      outputs: [out],
      formats: { base: 'onnx', self: 'onnx' },
      labels: { base: base.artifactId, self: snapshotArtifact },
    });
  }

  return {
    async synthesize(base: BaseModel, config: RunConfig, ctx: StepContext): Promise<SynthesisResult> {
      const started = performance.now();
      const family = await deps.family(base.manifest);
      const range = synthesisSeeds(config);
      const { id } = await withSession(new Uint8Array(await store.read(base.artifactId)), (session) =>
        synthesizeSampleSet(store, {
          model: { family, session, manifest: base.manifest },
          version: {
            name: base.model,
            ref: base.model,
            tag: `version-${base.versionId}`,
            content_hash: base.artifactId,
          },
          settings: { seed: config.seed, ...settingsFromWire(config.synthesis.sampler) },
          range: streamRange(range),
          batch: config.synthesis.batch,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress({ done, total }),
        }),
      );
      return { sample_set: id, n: range.count, seconds: (performance.now() - started) / 1000 };
    },

    async selfTrain(base: BaseModel, config: RunConfig, sampleSet: string, ctx: StepContext): Promise<SelfTrainResult> {
      const started = performance.now();
      const tf = await deps.tf();
      const family = await deps.family(base.manifest);
      const all = await (await SampleSetReader.open(store, sampleSet)).readAll();
      const data = { ...all, n: all.labels.length, id: sampleSet };
      const st = config.selftrain;
      const steps = snapshotSteps(st.steps, st.snapshot_every);
      const model = decodeModel(new Uint8Array(await store.read(base.artifactId)));
      const graph = new TfGraph(tf, model);
      const snapshots: SelfTrainResult['snapshots'] = [];
      try {
        let lastReport = 0;
        await selfTrainGraph(
          tf,
          graph,
          family,
          base.manifest,
          data,
          { steps: st.steps, lr: st.lr, batch: st.batch, seed: st.seed, snapshotAt: steps },
          {
            signal: ctx.signal,
            onStep: async (step, loss) => {
              if (step - lastReport >= Math.max(1, Math.floor(st.steps / 20)) || step === st.steps) {
                lastReport = step;
                await ctx.progress({ done: step, total: st.steps, loss });
              }
            },
            onSnapshot: async (snap) => {
              const m = await store.put(encodeModel(withWeights(model, snap.weights)), 'onnx', {
                model: base.model,
                base_artifact: base.artifactId,
                sample_set: sampleSet,
                step: snap.step,
                selftrain: st,
              });
              snapshots.push({ step: snap.step, artifact: m.id });
            },
          },
        );
      } finally {
        graph.dispose();
      }
      const pre = base.manifest.training;
      const pretrainExamples = pre?.steps && pre.batch ? pre.steps * pre.batch : undefined;
      return {
        snapshots,
        selftrain_ratio: pretrainExamples ? (st.steps * Math.min(st.batch, data.n)) / pretrainExamples : null,
        seconds: (performance.now() - started) / 1000,
      };
    },

    async trial(base: BaseModel, config: RunConfig, input: TrialInput, ctx: StepContext): Promise<TrialResult> {
      const started = performance.now();
      const family = await deps.family(base.manifest);
      const scorer = await deps.scorer(base.manifest);
      const settings = { seed: config.seed, ...settingsFromWire(config.sweep.sampler), guidanceScale: input.cfg };
      const { first, count } = input.seeds;
      const end = first + count;
      // statistics measured before (a lower rung of the same point) cover the first seeds; only the rest is sampled
      const chunks: { chunk: StatsChunk; stats: FeatureStats }[] = [];
      let covered = first;
      for (const c of input.reuse ?? []) {
        if (c.first !== covered || c.first + c.count > end)
          throw new PermanentJobError(
            `trial: reused statistics ${c.first}+${c.count} do not continue the seeds at ${covered}`,
          );
        const sums = parseStats(await store.read(c.stats), `statistics ${c.stats}`).sums;
        if (!sums || sums.n !== c.count)
          throw new PermanentJobError(`trial: statistics ${c.stats} do not hold ${c.count} samples`);
        chunks.push({ chunk: c, stats: sums });
        covered += c.count;
      }
      const half = first + Math.floor(count / 2);
      const todo: [number, number][] = [];
      if (input.halves && covered < half) todo.push([covered, half], [half, end]);
      else if (covered < end) todo.push([covered, end]);
      const sampled = end - covered;
      if (todo.length > 0) {
        const bytes = await mergedBytes(base, input.snapshot, input.w);
        await withSession(bytes, async (session) => {
          for (const [start, stop] of todo) {
            let stats: FeatureStats | undefined;
            for await (const b of generateSamples(
              { family, session, manifest: base.manifest },
              settings,
              { start, end: stop },
              config.sweep.batch,
              ctx.signal,
            )) {
              const { features, dim } = await scorer.features(b.images, b.n, base.manifest);
              (stats ??= new FeatureStats(dim)).add(features, b.n);
              await ctx.progress({ done: b.first + b.n - covered, total: sampled });
            }
            const m = await store.put(serializeStats(stats!), 'feature-stats', {
              features: scorer.name,
              base_artifact: base.artifactId,
              snapshot: input.snapshot?.artifact ?? null,
              w: input.w,
              settings,
              seeds: { first: start, count: stop - start },
            });
            chunks.push({ chunk: { first: start, count: stop - start, stats: m.id }, stats: stats! });
          }
        });
      }
      const fidOf = (list: typeof chunks) => {
        if (list.length === 1) return frechetDistance(list[0].stats.gaussian(), scorer.reference).fid;
        const all = new FeatureStats(list[0].stats.d);
        for (const c of list) all.merge(c.stats);
        return frechetDistance(all.gaussian(), scorer.reference).fid;
      };
      const fid = fidOf(chunks);
      let fidHalves: [number, number] | undefined;
      if (input.halves) {
        const lo = chunks.filter((c) => c.chunk.first + c.chunk.count <= half);
        const hi = chunks.filter((c) => c.chunk.first >= half);
        if (lo.length === 0 || hi.length === 0 || lo.length + hi.length !== chunks.length)
          throw new PermanentJobError('trial: the seeds do not split into halves');
        fidHalves = [fidOf(lo), fidOf(hi)];
      }
      return {
        fid,
        n: count,
        sampled,
        ...(fidHalves ? { fid_halves: fidHalves } : {}),
        chunks: chunks.map((c) => c.chunk),
        features: scorer.name,
        seconds: (performance.now() - started) / 1000,
      };
    },

    async materialize(base: BaseModel, snapshot: TrialInput['snapshot'], w: number): Promise<MaterializeResult> {
      if (!snapshot || w === 0) {
        const m = await store.manifest(base.artifactId);
        if (!m) throw new Error(`base artifact ${base.artifactId} is missing from the store`);
        return { artifact: m };
      }
      const tmp = await store.tempPath('.onnx');
      try {
        const r = await mergeOne(base, snapshot.artifact, w, tmp);
        const m = await store.adopt(tmp, 'onnx', {
          neon_merge: r.outputs[0].recipe,
          base_artifact: base.artifactId,
          snapshot: snapshot.step,
          w,
        });
        return { artifact: m };
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}
