import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expectedFids, FID_FIXTURES, FID_PAIRS, relErr } from '../shared/metrics/testing/fixtures.ts';
import { encodePng } from '../shared/image/png.ts';
import { flattenOnnxModel } from '../shared/features/flatten-onnx.ts';
import { loadStats } from '../shared/metrics/stats-file.ts';
import { rng } from '../shared/metrics/testing/reference.ts';
import { parseShard } from './fid.ts';

const ROOT = resolve(import.meta.dirname, '..');
const expected = expectedFids();

function neon(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'neon.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] };
}

test('every fixture pair through `neon fid a.npz b.npz --json`', () => {
  for (const name of FID_PAIRS) {
    const r = neon(['fid', join(FID_FIXTURES, `${name}_a.npz`), join(FID_FIXTURES, `${name}_b.npz`), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.last);
    assert.ok(relErr(out.fid, expected[name]) < 1e-6, `${name}: ${out.fid}`);
    assert.equal(out.n_a, null); // pytorch-fid stats do not record n
  }
  const plain = neon(['fid', join(FID_FIXTURES, 'd16_n500_a.npz'), join(FID_FIXTURES, 'd16_n500_b.npz')]);
  assert.match(plain.stdout, /^FID: 1\.1406203/);
});

test('`neon fid` from the compiled copy (bin/compiled.js) and through tsx print the same result, errors included', () => {
  const a = join(FID_FIXTURES, 'd64_n2000_a.npz');
  const b = join(FID_FIXTURES, 'd64_n2000_b.npz');
  const compiled = neon(['fid', a, b, '--json']);
  const viaTsx = neon(['fid', a, b, '--json'], { NEON_NO_COMPILED: '1' });
  assert.equal(compiled.status, 0, compiled.stderr);
  assert.equal(compiled.last, viaTsx.last);
  // the compiled copy exists and records its inputs (cli/fid.ts among them)
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', '.cache', 'neon', 'cli', 'manifest.json'), 'utf8'),
  );
  assert.ok(manifest.inputs[join('cli', 'fid.ts')], 'cli/fid.ts is an input of the compiled copy');
  const missing = neon(['fid', join(FID_FIXTURES, 'nope.npz'), b]);
  const missingTsx = neon(['fid', join(FID_FIXTURES, 'nope.npz'), b], { NEON_NO_COMPILED: '1' });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, missingTsx.stderr);
});

test('bad inputs exit non-zero with a message naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidcli-'));
  const corrupt = join(dir, 'corrupt.npz');
  const bytes = readFileSync(join(FID_FIXTURES, 'd16_n500_a.npz'));
  writeFileSync(corrupt, bytes.subarray(0, 1000));
  let r = neon(['fid', corrupt, join(FID_FIXTURES, 'd16_n500_b.npz')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /corrupt\.npz/);
  r = neon(['fid', join(FID_FIXTURES, 'd16_n500_a.npz'), join(FID_FIXTURES, 'd64_n2000_b.npz')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /dimensions differ: .*d16_n500_a\.npz has d = 16, .*d64_n2000_b\.npz has d = 64/);
  // a folder through the default (shipped) extractor against statistics of another dimension
  mkdirSync(join(dir, 'imgs'));
  writeFileSync(join(dir, 'imgs', 'x.png'), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }));
  r = neon(['fid', join(dir, 'imgs'), join(FID_FIXTURES, 'd16_n500_b.npz')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /dimensions differ: .*imgs has d = 128, .*d16_n500_b\.npz has d = 16/);
});

test('an unknown dataset, a corrupt file, a shard of precomputed statistics: one line naming it, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidcli-'));
  const corrupt = join(dir, 'corrupt.npz');
  writeFileSync(corrupt, readFileSync(join(FID_FIXTURES, 'd16_n500_a.npz')).subarray(0, 1000));
  const cases: [string[], string][] = [
    [['fid', 'fmnist:tset', 'fmnist:train'], 'fmnist:tset'],
    [['fid', corrupt, join(FID_FIXTURES, 'd16_n500_b.npz')], 'corrupt.npz'],
    [['fid', 'fmnist:test', '--shard', '0/3', '--save-stats', join(dir, 's.npz')], '--shard'],
    [['fid', join(FID_FIXTURES, 'd16_n500_a.npz'), '--shards', '2', '--save-stats', join(dir, 's.npz')], '--shard'],
  ];
  for (const [args, word] of cases) {
    const r = neon(args, { JOB_COMPLETION_INDEX: '1' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(word), lines[0]);
  }
});

test('--shard i/N and --shards N with JOB_COMPLETION_INDEX', () => {
  assert.deepEqual(parseShard('2/5', undefined), { index: 2, count: 5 });
  assert.deepEqual(parseShard(undefined, 4, { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
  assert.throws(() => parseShard('5/5', undefined), /0 ≤ i < N/);
  assert.throws(() => parseShard(undefined, 4, {}), /JOB_COMPLETION_INDEX/);
});

test('folder statistics in shards merge to the one-pass statistics; --pr on two folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidshard-'));
  const model = join(dir, 'flat.onnx');
  writeFileSync(model, flattenOnnxModel(1, 8, 8));
  writeFileSync(
    join(dir, 'flat.json'),
    JSON.stringify({ height: 8, width: 8, channels: 1, range: [0, 1], resize: 'none' }),
  );
  const r = rng(21);
  for (const [name, bias] of [
    ['a', 0],
    ['b', 40],
  ] as const) {
    mkdirSync(join(dir, name));
    for (let i = 0; i < 50; i++) {
      const data = Uint8Array.from({ length: 64 }, () => Math.min(255, Math.floor(r() * 200) + bias));
      writeFileSync(
        join(dir, name, `img${String(i).padStart(3, '0')}.png`),
        encodePng({ width: 8, height: 8, channels: 1, data }),
      );
    }
  }
  const ex = ['--extractor', model, '--batch-size', '7'];
  let res = neon(['fid', join(dir, 'a'), '--save-stats', join(dir, 'all.npz'), ...ex]);
  assert.equal(res.status, 0, res.stderr);
  res = neon(['fid', join(dir, 'a'), '--save-stats', join(dir, 's0.npz'), '--shard', '0/3', ...ex]);
  assert.equal(res.status, 0, res.stderr);
  res = neon(['fid', join(dir, 'a'), '--save-stats', join(dir, 's1.npz'), '--shard', '1/3', ...ex]);
  assert.equal(res.status, 0, res.stderr);
  res = neon(['fid', join(dir, 'a'), '--save-stats', join(dir, 's{i}.npz'), '--shards', '3', ...ex], {
    JOB_COMPLETION_INDEX: '2',
  });
  assert.equal(res.status, 0, res.stderr);
  res = neon([
    'stats',
    'merge',
    join(dir, 's0.npz'),
    join(dir, 's1.npz'),
    join(dir, 's2.npz'),
    '--out',
    join(dir, 'merged.npz'),
    '--json',
  ]);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(JSON.parse(res.last).n, 50);
  return Promise.all([
    loadStats(join(dir, 'all.npz')),
    loadStats(join(dir, 'merged.npz')),
    loadStats(join(dir, 's1.npz')),
  ]).then(([all, merged, s1]) => {
    assert.equal(all.n, 50);
    assert.equal(s1.n, 17); // ⌊2·50/3⌋ − ⌊50/3⌋
    assert.equal(all.d, 64);
    for (let i = 0; i < all.sigma.length; i++)
      assert.ok(Math.abs(all.sigma[i] - merged.sigma[i]) <= 1e-9 * (1 + Math.abs(all.sigma[i])));
    for (let i = 0; i < all.d; i++) assert.ok(Math.abs(all.mu[i] - merged.mu[i]) <= 1e-9);
    const fid = neon(['fid', join(dir, 'a'), join(dir, 'b'), '--pr', '--json', ...ex]);
    assert.equal(fid.status, 0, fid.stderr);
    const out = JSON.parse(fid.last);
    assert.equal(out.n_a, 50);
    assert.ok(out.fid > 0 && out.precision >= 0 && out.precision <= 1 && out.recall >= 0 && out.recall <= 1);
    // the same FID from the saved statistics
    copyFileSync(join(dir, 'all.npz'), join(dir, 'a.npz'));
    const viaStats = neon(['fid', join(dir, 'a.npz'), join(dir, 'b'), '--json', ...ex]);
    assert.ok(relErr(JSON.parse(viaStats.last).fid, out.fid) < 1e-9);
  });
});

test('`neon fid fmnist:train fmnist:test --json` reproduces the FID documented in docs/FID.md from the shipped statistics', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'FID.md'), 'utf8');
  const m = /\{"fid":([0-9.e+-]+),"n_a":60000,"n_b":10000\}/.exec(docs);
  assert.ok(m, 'docs/FID.md records the output of `neon fid fmnist:train fmnist:test --json`');
  const r = neon(['fid', 'fmnist:train', 'fmnist:test', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.last);
  assert.equal(out.n_a, 60000);
  assert.equal(out.n_b, 10000);
  assert.ok(relErr(out.fid, Number(m[1])) < 1e-9, `fid ${out.fid} vs documented ${m[1]}`);
  const record = JSON.parse(readFileSync(join(ROOT, 'models', 'fmnist', 'training.json'), 'utf8'));
  assert.ok(relErr(out.fid, record.fid_train_test) < 1e-9, `fid ${out.fid} vs training.json ${record.fid_train_test}`);
});
