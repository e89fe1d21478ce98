// `neon import` on networks PyTorch wrote and exported (tests/fixtures/torch, scripts/export-torch-fixtures.py):
// a U-Net imports as a flow model and goes through the whole Neon loop; graphs that do not fit are refused with one
// line naming the operator, input or output, and nothing is written or registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertUsageErrors, lastJson, neonProcess } from './testing/neon-process.ts';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../shared/onnx/graph-builder.ts';
import { encodeModel } from '../shared/onnx/onnx-proto.ts';
import { parseManifest } from '../shared/models/manifest.ts';

const { home, neon } = neonProcess('neon-import-');
const FIX = 'tests/fixtures/torch';

const modelsDir = () => (existsSync(join(home, 'models')) ? readdirSync(join(home, 'models')) : []);

test('graphs that do not fit are refused with one line, and nothing is written', () => {
  const g = new GraphBuilder('unsupported');
  g.output(g.op('Hardmax', [g.input('x', ['N', 784])], { axis: 1 }), ['N', 784]);
  const hardmax = join(home, 'hardmax.onnx');
  writeFileSync(hardmax, encodeModel(g.build()));
  const flow = ['--family', 'flow', '--shape', '1,28,28'];
  assertUsageErrors(neon, [
    [['import', '--onnx', hardmax, '--family', 'ddpm', '--name', 'a', '--shape', '784'], "'Hardmax'"],
    [['import', '--onnx', `${FIX}/transformer.onnx`, ...flow, '--name', 'b'], "'t'"],
    [
      ['import', '--onnx', `${FIX}/unet.onnx`, '--family', 'ar', '--name', 'c', '--shape', '1,28,28', '--vocab', '4'],
      "'t'",
    ],
    [['import', '--onnx', `${FIX}/unet.onnx`, '--family', 'flow', '--name', 'd', '--shape', '1,32,32'], "'x'"],
    [['import', '--onnx', `${FIX}/unet.onnx`, ...flow, '--name', 'e', '--input', 'z=x'], 'z'],
    [['import', '--onnx', `${FIX}/unet.onnx`, ...flow, '--name', 'f', '--output', 'nope'], 'nope'],
    [['import', '--onnx', `${FIX}/unet.onnx`, '--family', 'ar', '--name', 'g', '--shape', '784'], '--vocab'],
    [['import', '--onnx', `${FIX}/unet.onnx`, ...flow, '--name', 'Bad Name'], '--name'],
    [['import', '--onnx', join(home, 'missing.onnx'), ...flow, '--name', 'h'], 'missing.onnx'],
    [['import', '--onnx', `${FIX}/unet.onnx`, '--family', 'gan', '--name', 'i', '--shape', '1,28,28'], '--family'],
  ]);
  assert.deepEqual(modelsDir(), []);
  // nothing registered: the database was never even opened by a refused import
  assert.ok(!existsSync(join(home, 'db')));
});

test('a causal transformer written and exported by PyTorch imports as an autoregressive model', () => {
  const imp = neon([
    'import',
    '--onnx',
    `${FIX}/transformer.onnx`,
    '--family',
    'ar',
    '--name',
    'torch-ar',
    '--shape',
    '1,28,28',
    '--vocab',
    '4',
    '--json',
  ]);
  assert.equal(imp.code, 0, imp.stderr.slice(-2000));
  const out = lastJson(imp.stdout);
  assert.equal(out.ref, 'torch-ar@base');
  assert.deepEqual(out.inputs, { x: 'x', y: 'y' });
  const manifest = parseManifest(JSON.parse(readFileSync(join(home, 'models', 'torch-ar', 'model.json'), 'utf8')));
  assert.equal(manifest.data.vocab, 4);
  assert.equal(manifest.loss.kind, 'cross-entropy');
  // the wrong vocabulary gives an output the family cannot read: refused, nothing written
  const wrong = neon([
    'import',
    '--onnx',
    `${FIX}/transformer.onnx`,
    '--family',
    'ar',
    '--name',
    'torch-ar8',
    '--shape',
    '1,28,28',
    '--vocab',
    '8',
  ]);
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(
    wrong.stderr.trim().split('\n').at(-1)!,
    /--output 'out': the forward pass gives \[2, 3136\], the ar family reads \[2, 6272\]/,
  );
  assert.ok(!existsSync(join(home, 'models', 'torch-ar8')));
});

test('a U-Net written and exported by PyTorch imports as a flow model and completes neon run --preset smoke', () => {
  const imp = neon([
    'import',
    '--onnx',
    `${FIX}/unet.onnx`,
    '--family',
    'flow',
    '--name',
    'torch-unet',
    '--shape',
    '1,28,28',
    '--json',
  ]);
  assert.equal(imp.code, 0, imp.stderr.slice(-2000));
  const out = lastJson(imp.stdout);
  assert.equal(out.ref, 'torch-unet@base');
  assert.deepEqual(out.inputs, { x: 'x', t: 't', y: 'y' });
  const manifest = parseManifest(JSON.parse(readFileSync(join(home, 'models', 'torch-unet', 'model.json'), 'utf8')));
  assert.equal(manifest.family, 'flow');
  assert.deepEqual(manifest.io.outputs, { out: 'out' });
  assert.deepEqual(readFileSync(join(home, 'models', 'torch-unet', 'model.onnx')), readFileSync(`${FIX}/unet.onnx`));
  // the same name again is refused, and the first import stays
  const again = neon([
    'import',
    '--onnx',
    `${FIX}/unet.onnx`,
    '--family',
    'flow',
    '--name',
    'torch-unet',
    '--shape',
    '1,28,28',
  ]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);

  const config = join(home, 'small.json');
  writeFileSync(
    config,
    JSON.stringify({
      synthesis: { n: 128, seeds: { first: 0, count: 128 } },
      selftrain: { steps: 10, snapshot_every: 10, batch: 16 },
      sweep: { w_grid: [0, 1] },
      selection: { seeds: { first: 100000, count: 128 } },
      report: { seeds: { first: 200000, count: 128 } },
    }),
  );
  const run = neon(['run', '--model', 'torch-unet', '--preset', 'smoke', '--config', config, '--json'], 900_000);
  assert.equal(run.code, 0, run.stderr.slice(-3000));
  const r = lastJson(run.stdout);
  assert.match(r.model, /^torch-unet/);
  assert.ok(r.trials.length >= 2, JSON.stringify(r.trials));
  assert.ok(Number.isFinite(r.base.fid_report) && Number.isFinite(r.best.fid_report), JSON.stringify(r));
});
