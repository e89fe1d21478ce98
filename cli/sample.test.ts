import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { familyResolver } from '../shared/families/registry.ts';
import { tinyFlowFamily, writeTinyFlowModel } from '../shared/families/test-fixtures/tiny-flow.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import { SampleSetReader } from '../shared/samples/sample-set.ts';
import { decodePng } from '../shared/image/png.ts';
import { runSample } from './sample.ts';
import { UsageError } from './flags.ts';

let dir: string;
let modelDir: string;
let engine: OrtEngine;
const families = familyResolver({ flow: tinyFlowFamily });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neon-sample-cli-'));
  modelDir = await writeTinyFlowModel(join(dir, 'models'));
  engine = new OrtEngine({ workers: 1, threadsPerSession: 1 });
});

after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runSample(args, { env: { NEON_HOME: join(dir, 'home'), ...env }, families, engine });

async function folderBytes(d: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of (await readdir(d)).filter((n) => n.endsWith('.png')).sort()) out.set(f, await readFile(join(d, f)));
  return out;
}

test('sharded neon sample (one folder, files by global index) reproduces the single-process set exactly', async () => {
  const common = ['--model', modelDir, '--n', '23', '--seed', '5', '--steps', '4'];
  const single = join(dir, 'single');
  const sharded = join(dir, 'sharded');
  const one = await run([...common, '--out', single, '--batch', '8']);
  assert.deepEqual([one!.start, one!.end], [0, 23]);
  // shards of 3 with another batch size; shard 1 through JOB_COMPLETION_INDEX as an Indexed Job gives it
  await run([...common, '--out', sharded, '--shard', '0/3', '--batch', '5']);
  const mid = await run([...common, '--out', sharded, '--shards', '3', '--batch', '3'], { JOB_COMPLETION_INDEX: '1' });
  assert.deepEqual([mid!.start, mid!.end], [7, 15]);
  await run([...common, '--out', sharded, '--shard', '2/3']);
  const a = await folderBytes(single);
  const b = await folderBytes(sharded);
  assert.equal(a.size, 23);
  assert.deepEqual(
    [...a.keys()],
    Array.from({ length: 23 }, (_, i) => `${String(i).padStart(6, '0')}.png`),
  );
  assert.deepEqual(b, a);
  const img = decodePng(a.get('000004.png')!);
  assert.deepEqual([img.width, img.height, img.channels], [8, 8, 1]);
  // no temporary files are left, and each shard wrote its manifest with its labels
  assert.deepEqual((await readdir(sharded)).filter((n) => !n.endsWith('.png')).sort(), [
    'shard-0-of-3.json',
    'shard-1-of-3.json',
    'shard-2-of-3.json',
  ]);
  const m1 = JSON.parse(await readFile(join(sharded, 'shard-1-of-3.json'), 'utf8'));
  assert.deepEqual([m1.start, m1.end, m1.labels], [7, 15, [3, 0, 1, 2, 3, 0, 1, 2]]);
  assert.equal(m1.settings.steps, 4);
  assert.equal(m1.model.name, 'tiny-flow');
  // another seed gives other images
  const other = join(dir, 'other');
  await run(['--model', modelDir, '--n', '2', '--seed', '6', '--steps', '4', '--out', other]);
  assert.notDeepEqual((await folderBytes(other)).get('000000.png'), a.get('000000.png'));
});

test('--format set writes a sample set artifact with the same pixels as the PNG folder', async () => {
  const r = await run([
    '--model',
    modelDir,
    '--n',
    '6',
    '--seed',
    '5',
    '--steps',
    '4',
    '--format',
    'both',
    '--out',
    join(dir, 'both'),
    '--class',
    '2',
  ]);
  const store = new ArtifactStore(join(dir, 'home', 'artifacts'));
  const set = await SampleSetReader.open(store, r!.sample_set!);
  const all = await set.readAll();
  assert.deepEqual([...all.labels], [2, 2, 2, 2, 2, 2]);
  assert.deepEqual([...all.indices], [0, 1, 2, 3, 4, 5]);
  assert.equal(set.manifest.settings.class_label, 2);
  const pngs = await folderBytes(join(dir, 'both'));
  [...pngs.values()].forEach((png, i) =>
    assert.deepEqual(decodePng(png).data, all.images.subarray(i * 64, (i + 1) * 64)),
  );
});

test('bad flags are usage errors naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--n', '3', '--out', 'x'], /--model/],
    [['--model', modelDir, '--out', 'x'], /--n/],
    [['--model', modelDir, '--n', '0', '--out', 'x'], /--n/],
    [['--model', modelDir, '--n', '3'], /--out/],
    [['--model', modelDir, '--n', '3', '--out', 'x', '--shard', '3/3'], /--shard/],
    [['--model', modelDir, '--n', '3', '--out', 'x', '--shards', '2'], /JOB_COMPLETION_INDEX/],
    [['--model', modelDir, '--n', '3', '--out', 'x', '--guidance', 'lots'], /--guidance/],
    [['--model', 'no-such-model', '--n', '3', '--out', join(dir, 'none')], /--model/],
  ];
  for (const [args, re] of cases)
    await assert.rejects(run(args), (err: Error) => err instanceof UsageError && re.test(err.message), args.join(' '));
});
