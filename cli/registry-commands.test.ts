// The registry from the command line, in process on a fresh NEON_HOME: `neon models`, `neon export` of any registry
// version (its safetensors accepted by `neon merge`), `neon promote`, `neon sample` finding a registry model without a
// flag, `neon db status` creating nothing, `neon --version` and the top-level help.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureNeon as capture } from './testing/capture-neon.ts';
import { runSample } from './sample.ts';
import { openDatabase } from '../shared/db/database.ts';
import { familyResolver } from '../shared/families/registry.ts';
import { tinyFlowFamily, tinyFlowModel, writeTinyFlowModel } from '../shared/families/test-fixtures/tiny-flow.ts';
import { registerModelVersion, setAlias } from '../shared/registry/registry.ts';
import { registerShippedModel } from '../shared/serving/register-shipped.ts';
import { openSafetensors } from '../shared/safetensors/reader.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';

let dir: string;
let home: string;
const saved = {
  NEON_HOME: process.env.NEON_HOME,
  NEON_MODELS_DIR: process.env.NEON_MODELS_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
};

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neon-cli-registry-'));
  home = join(dir, 'home');
  await writeTinyFlowModel(join(dir, 'models'));
  process.env.NEON_HOME = home;
  process.env.NEON_MODELS_DIR = join(dir, 'models');
  process.env.DATABASE_URL = '';
});

after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

test('before any registry: db status and models create nothing; models lists the shipped ones', async () => {
  const status = await capture(['db', 'status', '--json']);
  assert.equal(status.code, 0, status.err);
  assert.equal(lastJson(status.out).exists, false);
  assert.deepEqual(lastJson(status.out).applied, []);
  const models = await capture(['models', '--json']);
  assert.equal(models.code, 0, models.err);
  const m = lastJson(models.out);
  assert.equal(m.registry, null);
  assert.deepEqual(
    m.models.map((x: { name: string; registered: boolean }) => [x.name, x.registered]),
    [['tiny-flow', false]],
  );
  assert.equal(existsSync(home), false, 'NEON_HOME was created');
  const promote = await capture(['promote', 'tiny-flow', '--alias', 'default']);
  assert.equal(promote.code, 2);
  assert.match(promote.err, /no registry/);
});

test('a registry version: models, export (safetensors that neon merge accepts), promote, sample without a flag', async () => {
  // the registry as a run leaves it: the shipped base, and a second version from it with its lineage under @neon
  await mkdir(home, { recursive: true });
  const database = await openDatabase({ dataDir: join(home, 'db') });
  const store = new ArtifactStore(join(home, 'artifacts'));
  const base = (await registerShippedModel(database.db, store, join(dir, 'models'), 'tiny-flow'))!;
  const neonManifest = tinyFlowModel('tiny-flow', 2);
  const artifact = await store.put(neonManifest.onnx, 'onnx', { model: 'tiny-flow' });
  const { version } = await registerModelVersion(database.db, {
    model: 'tiny-flow',
    tag: 'neon-r1',
    artifact,
    manifest: neonManifest.manifest,
    baseVersionId: base.versionId,
    snapshot: 20,
    w: 0.5,
  });
  await setAlias(database.db, 'tiny-flow', 'neon', version.id);
  await database.close();

  const models = await capture(['models', '--json']);
  assert.equal(models.code, 0, models.err);
  const [m] = lastJson(models.out).models;
  assert.equal(m.name, 'tiny-flow');
  assert.deepEqual(m.aliases, { default: 'base', neon: 'neon-r1' });
  assert.deepEqual(m.versions[1].lineage, { base: 'base', snapshot: 20, w: 0.5, run: null });

  const neonFile = join(dir, 'neon.safetensors');
  const baseFile = join(dir, 'base.safetensors');
  const ex = await capture([
    'export',
    '--model',
    'tiny-flow@neon',
    '--format',
    'safetensors',
    '--out',
    neonFile,
    '--json',
  ]);
  assert.equal(ex.code, 0, ex.err);
  assert.equal(lastJson(ex.out).tag, 'neon-r1');
  assert.equal((await capture(['export', '--model', 'tiny-flow', '--out', baseFile])).code, 0);
  const onnx = await capture(['export', '--model', 'tiny-flow@neon-r1', '--out', join(dir, 'neon.onnx'), '--json']);
  assert.equal(lastJson(onnx.out).format, 'onnx');
  assert.equal(lastJson(onnx.out).bytes, neonManifest.onnx.length);
  const merged = join(dir, 'merged.safetensors');
  const mr = await capture(['merge', '--base', baseFile, '--self', neonFile, '--w', '1', '--out', merged, '--quiet']);
  assert.equal(mr.code, 0, mr.err);
  const [a, b, c] = await Promise.all([baseFile, neonFile, merged].map((f) => openSafetensors(f)));
  const name = a.tensors.find((t) => t.dtype === 'F32')!.name;
  const [ta, tb, tc] = await Promise.all(
    [a, b, c].map(async (f) => new Float32Array((await f.readTensor(name)).slice().buffer)),
  );
  assert.ok(
    ta.some((x, i) => x !== tb[i]),
    'the two versions differ',
  );
  for (let i = 0; i < ta.length; i++) assert.equal(tc[i], Math.fround(2 * ta[i] - tb[i]));
  await Promise.all([a, b, c].map((f) => f.close()));

  const missing = await capture(['export', '--model', 'tiny-flow@nope', '--out', join(dir, 'x.safetensors')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--model: no model 'tiny-flow@nope'/);

  const promoted = await capture(['promote', 'tiny-flow@neon', '--alias', 'default', '--json']);
  assert.equal(promoted.code, 0, promoted.err);
  assert.deepEqual(lastJson(promoted.out), {
    alias: 'tiny-flow@default',
    version: 'tiny-flow@neon-r1',
    version_id: version.id,
    previous: 'tiny-flow@base',
  });
  assert.equal(lastJson((await capture(['models', 'tiny-flow', '--json'])).out).models[0].aliases.default, 'neon-r1');

  const sampled = await runSample(
    ['--model', 'tiny-flow@neon', '--n', '2', '--steps', '2', '--out', join(dir, 'png')],
    { env: process.env, families: familyResolver({ flow: tinyFlowFamily }) },
  );
  assert.equal(sampled?.model.tag, 'neon-r1');
});

test('--version, the top-level help and did-you-mean for commands and flags', async () => {
  const v = await capture(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.out.trim(), /^\d+\.\d+\.\d+/);
  const help = await capture(['--help']);
  assert.equal(help.code, 0);
  for (const [cmd, words] of [
    ['models', 'versions, aliases'],
    ['promote', 'alias'],
    ['export', 'safetensors'],
    ['run', 'self-train'],
  ]) {
    assert.match(help.out, new RegExp(`^  ${cmd} +.*${words}`, 'm'), cmd);
  }
  const typo = await capture(['modles']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command 'modles' \(did you mean 'models'\?\)/);
  const flag = await capture(['export', '--modle', 'x']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /unknown flag --modle \(did you mean --model\?\)/);
});
