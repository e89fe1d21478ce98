// `neon sample --model NAME --n N [--seed S] [--guidance G] [--steps K] [--class C] [--temperature T] [--top-k K]
//   [--shard i/N | --shards N] --out DIR [--format png|set|both]`: draws samples 0..N−1 of the stream `seed` (or
// shard i's contiguous part of them). Sample j comes from the generator (seed, j) with class j mod num_classes
// (or C), so shards reproduce the single-process set exactly.
//   png: DIR/<j>.png, named by global index (zero-padded), written atomically, so shards can share DIR; plus
//        DIR/shard-<i>-of-<N>.json (settings, model version, labels of the shard's samples).
//   set: a sample set artifact in $NEON_HOME/artifacts (shared/samples/sample-set.ts); its id is printed.
import type { Command } from './command.ts';
import { choiceFlag, intFlag, parseFlags, parseNumber, UsageError } from './flags.ts';
import { parseShard } from './fid.ts';
import { Progress } from './progress.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { builtinFamilies, type FamilyResolver } from '../shared/families/registry.ts';
import { ModelNotFoundError, ModelProvider } from '../shared/serving/model-provider.ts';
import { cliModelSources } from './model-sources.ts';
import { shardRange } from '../shared/image/png-folder.ts';
import { generateSamples } from '../shared/samples/generate-samples.ts';
import { PngSampleWriter } from '../shared/samples/png-samples.ts';
import { SampleSetWriter } from '../shared/samples/sample-set.ts';
import { resolveSettings, type SampleSetSettings } from '../shared/samples/sample-settings.ts';

const HELP = `usage: neon sample --model NAME --n N --out DIR [flags]

  --model NAME       a model: NAME[@tag|@alias] (the registry — DATABASE_URL, or $NEON_HOME/db when it exists —
                     then the shipped models folder), or the path of a folder with model.onnx + model.json
  --n N              samples in the whole set (all shards together)
  --seed S           the sample stream (default 0): sample j is drawn from the generator (S, j)
  --guidance G       classifier-free guidance scale (default: the model's)
  --steps K          sampler steps (default: the model's)
  --class C          one class for every sample (default: sample j gets class j mod num_classes)
  --temperature T    autoregressive models: sampling temperature
  --top-k K          autoregressive models: top-k (0: off)
  --shard i/N        only shard i of N: the contiguous samples [⌊i·n/N⌋, ⌊(i+1)·n/N⌋) of the n
  --shards N         shard count; i comes from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)
  --out DIR          output folder (png format)
  --format F         png (default): DIR/<index>.png + shard json; set: a sample set artifact; both
  --batch B          samples per sampler call (default 64)
  --registry         use the registry even if $NEON_HOME/db does not exist yet (creates it)
  --json             print one JSON object on the last line`;

export interface SampleRunOptions {
  env?: NodeJS.ProcessEnv;
  families?: FamilyResolver;
  /** Reuse an engine (tests); otherwise one is made and closed. */
  engine?: OrtEngine;
}

export interface SampleRunResult {
  model: { name: string; tag: string; content_hash: string };
  shard: string | null;
  start: number;
  end: number;
  out: string | null;
  sample_set: string | null;
  seconds: number;
  images_per_second: number;
}

function numberFlag(flags: ReturnType<typeof parseFlags>, name: string): number | undefined {
  const raw = flags.values.get(name);
  return raw === undefined ? undefined : parseNumber(raw, `--${name}`);
}

export async function runSample(argv: string[], opts: SampleRunOptions = {}): Promise<SampleRunResult | undefined> {
  const env = opts.env ?? process.env;
  const flags = parseFlags(argv, {
    boolean: ['json', 'help', 'registry'],
    string: [
      'model',
      'n',
      'seed',
      'guidance',
      'steps',
      'class',
      'temperature',
      'top-k',
      'shard',
      'shards',
      'out',
      'format',
      'batch',
    ],
  });
  if (flags.booleans.has('help')) {
    console.log(HELP);
    return undefined;
  }
  const ref = flags.values.get('model');
  if (!ref) throw new UsageError('--model is required');
  const n = intFlag(flags, 'n', { min: 1, max: 2 ** 32 - 1 });
  if (n === undefined) throw new UsageError('--n is required');
  const format = choiceFlag(flags, 'format', ['png', 'set', 'both'] as const) ?? 'png';
  const out = flags.values.get('out');
  if (format !== 'set' && !out) throw new UsageError('--out is required for --format png|both');
  const settings: SampleSetSettings = {
    seed: intFlag(flags, 'seed', { min: 0, max: 2 ** 32 - 1 }) ?? 0,
    guidanceScale: numberFlag(flags, 'guidance'),
    steps: intFlag(flags, 'steps', { min: 1, max: 10_000 }),
    classLabel: intFlag(flags, 'class', { min: 0 }),
    temperature: numberFlag(flags, 'temperature'),
    topK: intFlag(flags, 'top-k', { min: 0 }),
  };
  if (settings.guidanceScale !== undefined && settings.guidanceScale < 0)
    throw new UsageError('--guidance must not be negative');
  if (settings.temperature !== undefined && !(settings.temperature > 0))
    throw new UsageError('--temperature must be positive');
  const batch = intFlag(flags, 'batch', { min: 1, max: 4096 }) ?? 64;
  const shard = parseShard(flags.values.get('shard'), intFlag(flags, 'shards', { min: 1 }), env);
  const range = shard ? shardRange(n, shard) : { start: 0, end: n };

  const {
    sources,
    ref: modelRef,
    store,
    close,
  } = await cliModelSources(ref, env, { registry: flags.booleans.has('registry') });
  const engine = opts.engine ?? new OrtEngine({ workers: 1 });
  const progress = new Progress(process.stderr);
  const t0 = performance.now();
  try {
    const provider = new ModelProvider({ engine, sources, families: opts.families ?? builtinFamilies });
    let model;
    try {
      model = await provider.get(modelRef);
    } catch (err) {
      if (err instanceof ModelNotFoundError) throw new UsageError(`--model: ${err.message}`);
      throw err;
    }
    const shape = model.manifest.data.shape;
    const resolved = resolveSettings(model.manifest, settings);
    const version = { name: model.name, ref: modelRef, tag: model.tag, content_hash: model.key };
    const png = format !== 'set' ? new PngSampleWriter(out!, n, shape) : undefined;
    const set =
      format !== 'png' ? new SampleSetWriter(store, { shape, model: version, settings: resolved }) : undefined;
    await png?.init();
    const labels: number[] = [];
    const label = shard ? `sample ${model.name} shard ${shard.index}/${shard.count}` : `sample ${model.name}`;
    for await (const b of generateSamples(model, settings, range, batch)) {
      await png?.write(b.first, b.images, b.n);
      await set?.add(
        b.images,
        b.labels,
        Uint32Array.from({ length: b.n }, (_, i) => b.first + i),
      );
      labels.push(...b.labels);
      progress.update(label, b.first + b.n - range.start, range.end - range.start);
    }
    const written = await set?.finish();
    if (png) {
      await png.writeShardManifest(shard ?? { index: 0, count: 1 }, {
        format: 'neon-png-samples/1',
        n,
        start: range.start,
        end: range.end,
        shape,
        model: version,
        settings: resolved,
        labels,
        files: `<index>.png, index ${range.start}..${range.end - 1}`,
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      model: { name: model.name, tag: model.tag, content_hash: model.key },
      shard: shard ? `${shard.index}/${shard.count}` : null,
      start: range.start,
      end: range.end,
      out: png ? out! : null,
      sample_set: written?.id ?? null,
      seconds,
      images_per_second: (range.end - range.start) / seconds,
    };
  } finally {
    if (!opts.engine) await engine.close();
    await close();
  }
}

export const sampleCommand: Command = {
  summary: 'draw a (sharded) sample set from a model: PNG files by global index, or a sample set artifact',
  async run(argv) {
    const r = await runSample(argv);
    if (!r) return 0;
    if (argv.includes('--json')) console.log(JSON.stringify(r));
    else
      console.log(
        `${r.end - r.start} samples [${r.start}, ${r.end}) of ${r.model.name}@${r.model.tag}${r.out ? ` → ${r.out}` : ''}${r.sample_set ? `, sample set ${r.sample_set}` : ''} (${r.images_per_second.toFixed(1)} images/s)`,
      );
    return 0;
  },
};
