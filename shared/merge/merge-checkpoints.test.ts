import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type TensorData } from '../safetensors/writer.ts';
import { openSafetensors } from '../safetensors/reader.ts';
import { openCheckpoint, INDEX_NAME } from '../safetensors/checkpoint.ts';
import { SafetensorsError } from '../safetensors/errors.ts';
import { mergeCheckpoints, RECIPE_KEY, type MergeRecipe } from './merge-checkpoints.ts';
import { MergeError } from './merge-error.ts';
import { prng, refBf16, refF16, refMerge, refToBf16, refToF16 } from './reference.test-util.ts';

const r = prng(777);
const f32 = (vals: number[]) => new Uint8Array(Float32Array.from(vals).buffer);
const u16 = (vals: number[]) => new Uint8Array(Uint16Array.from(vals).buffer);
const f64 = (vals: number[]) => new Uint8Array(Float64Array.from(vals).buffer);

function randomTensors(perturb: boolean): TensorData[] {
  const rf = () => (r() / 2 ** 32 - 0.5) * 4;
  const n = 60;
  const special32 = [NaN, Infinity, -Infinity, 1e-45, -1e-45, 0, -0, 3.4e38];
  const special16 = [0x7e00, 0x7c00, 0xfc00, 0x0001, 0x8001, 0x0000, 0x8000, 0x7bff];
  const specialBf = [0x7fc0, 0x7f80, 0xff80, 0x0001, 0x8001, 0x0000, 0x8000, 0x7f7f];
  const pick = (i: number, s: number[], f: () => number) =>
    i < s.length && !perturb ? s[i] : i >= s.length && i < 2 * s.length && perturb ? s[i - s.length] : f();
  return [
    {
      name: 'blocks.0.attn.weight',
      dtype: 'F32',
      shape: [6, 10],
      data: f32(Array.from({ length: n }, (_, i) => pick(i, special32, rf))),
    },
    {
      name: 'blocks.0.norm.scale',
      dtype: 'F16',
      shape: [n],
      data: u16(Array.from({ length: n }, (_, i) => pick(i, special16, () => 0x3000 + (r() % 0x1800)))),
    },
    {
      name: 'blocks.1.mlp.weight',
      dtype: 'BF16',
      shape: [3, 20],
      data: u16(Array.from({ length: n }, (_, i) => pick(i, specialBf, () => 0x3e00 + (r() % 0x200)))),
    },
    { name: 'scale', dtype: 'F64', shape: [], data: f64([perturb ? 0.75 : 1.25]) },
    { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Uint8Array(0) },
    { name: 'step', dtype: 'I64', shape: [1], data: new Uint8Array(8).fill(perturb ? 9 : 3) },
    { name: 'head.weight', dtype: 'F32', shape: [7], data: f32(Array.from({ length: 7 }, rf)) },
  ];
}

async function writeSharded(dir: string, tensors: TensorData[], groups: number[][]): Promise<void> {
  const weightMap: Record<string, string> = {};
  for (let g = 0; g < groups.length; g++) {
    const name = `model-0000${g + 1}-of-0000${groups.length}.safetensors`;
    const ts = groups[g].map((i) => tensors[i]);
    for (const t of ts) weightMap[t.name] = name;
    await writeSafetensors(join(dir, name), ts, { format: 'pt' });
  }
  await writeFile(join(dir, INDEX_NAME), JSON.stringify({ metadata: { total_size: '0' }, weight_map: weightMap }));
}

function expected(b: TensorData, s: TensorData, w: number): Uint8Array {
  const out = new Uint8Array(b.data.length);
  if (b.dtype === 'F32') {
    const x = new Float32Array(b.data.slice().buffer);
    const y = new Float32Array(s.data.slice().buffer);
    const o = new Float32Array(out.buffer);
    const xb = new Uint32Array(x.buffer);
    const ob = new Uint32Array(out.buffer);
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(x[i]) && Number.isFinite(y[i])) o[i] = refMerge(x[i], y[i], w);
      else ob[i] = xb[i];
    }
  } else if (b.dtype === 'F16' || b.dtype === 'BF16') {
    const x = new Uint16Array(b.data.slice().buffer);
    const y = new Uint16Array(s.data.slice().buffer);
    const o = new Uint16Array(out.buffer);
    const [dec, round, mask] = b.dtype === 'F16' ? [refF16, refToF16, 0x7c00] : [refBf16, refToBf16, 0x7f80];
    for (let i = 0; i < x.length; i++) {
      o[i] = (x[i] & mask) !== mask && (y[i] & mask) !== mask ? round(refMerge(dec(x[i]), dec(y[i]), w)) : x[i];
    }
  } else if (b.dtype === 'F64') {
    const x = new Float64Array(b.data.slice().buffer);
    const y = new Float64Array(s.data.slice().buffer);
    new Float64Array(out.buffer).set(x.map((v, i) => refMerge(v, y[i], w)));
  } else out.set(b.data);
  return out;
}

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

test('unsharded and sharded merges are bit-exact against the float64 reference, several w in one pass', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merge-'));
  try {
    const base = randomTensors(false);
    const self = randomTensors(true);
    await writeSafetensors(join(dir, 'base.safetensors'), base, { format: 'pt' });
    await writeSafetensors(join(dir, 'self.safetensors'), [...self].reverse());
    await Promise.all(
      [join(dir, 'bs'), join(dir, 'ss')].map((d) => import('node:fs/promises').then((fs) => fs.mkdir(d))),
    );
    await writeSharded(join(dir, 'bs'), base, [
      [0, 1, 2],
      [3, 4, 5, 6],
    ]);
    await writeSharded(join(dir, 'ss'), self, [[6, 0], [1], [2, 3, 4, 5]]);
    const ws = [1, 1.5, -0.25];
    const cases = [
      { base: join(dir, 'base.safetensors'), self: join(dir, 'self.safetensors'), tag: 'file' },
      { base: join(dir, 'bs'), self: join(dir, 'ss', INDEX_NAME), tag: 'sharded' },
      { base: join(dir, 'bs'), self: join(dir, 'self.safetensors'), tag: 'mixed' },
    ];
    for (const c of cases) {
      // a tiny chunk size makes every tensor cross chunk boundaries
      const outputs = ws.map((w) => join(dir, `${c.tag}-${w}.safetensors`));
      const res = await mergeCheckpoints({ base: c.base, self: c.self, ws, outputs, chunkBytes: 24 });
      assert.equal(res.plan.merged, 6);
      assert.deepEqual(res.plan.copied, [{ name: 'step', reason: 'non-float dtype I64' }]);
      for (let k = 0; k < ws.length; k++) {
        const f = await openSafetensors(outputs[k]);
        assert.deepEqual(f.tensors.map((t) => t.name).sort(), base.map((t) => t.name).sort());
        for (const b of base) {
          const s = self.find((t) => t.name === b.name)!;
          const info = f.tensor(b.name)!;
          assert.equal(info.dtype, b.dtype);
          assert.deepEqual(info.shape, b.shape);
          assert.deepEqual(await f.readTensor(b.name), expected(b, s, ws[k]), `${c.tag} w=${ws[k]} ${b.name}`);
        }
        const recipe = JSON.parse(f.metadata[RECIPE_KEY]) as MergeRecipe;
        assert.equal(f.metadata.format, 'pt', 'the base metadata is kept');
        assert.equal(recipe.w, ws[k]);
        assert.equal(recipe.formula, '(1+w)*base - w*self');
        assert.deepEqual(recipe.policies, { onMissing: 'error', onMismatch: 'error' });
        const names = async (p: string) => {
          const ck = await openCheckpoint(p);
          await ck.close();
          return ck.files.map((x) => x.name);
        };
        const baseFiles = await names(c.base);
        assert.equal(recipe.base.files.length, baseFiles.length);
        for (let i = 0; i < baseFiles.length; i++) assert.equal(recipe.base.files[i].sha256, await sha(baseFiles[i]));
        const selfFiles = await names(c.self);
        for (let i = 0; i < selfFiles.length; i++) assert.equal(recipe.self.files[i].sha256, await sha(selfFiles[i]));
        await f.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rules give per-tensor w (first match wins; numbers or multiples of w)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merge-'));
  try {
    const base = randomTensors(false);
    const self = randomTensors(true);
    await writeSafetensors(join(dir, 'b.safetensors'), base);
    await writeSafetensors(join(dir, 's.safetensors'), self);
    const out = join(dir, 'o.safetensors');
    const rules = [
      { pattern: '^blocks\\.0\\.', w: 0 },
      { pattern: 'blocks', w: { scale: 0.5 } },
      { pattern: '.*', w: 7 },
    ];
    const res = await mergeCheckpoints({
      base: join(dir, 'b.safetensors'),
      self: join(dir, 's.safetensors'),
      ws: [2],
      outputs: [out],
      rules,
    });
    const f = await openSafetensors(out);
    const want = {
      'blocks.0.attn.weight': 0,
      'blocks.0.norm.scale': 0,
      'blocks.1.mlp.weight': 1,
      scale: 7,
      'head.weight': 7,
    } as Record<string, number>;
    for (const [name, w] of Object.entries(want)) {
      const b = base.find((t) => t.name === name)!;
      assert.deepEqual(await f.readTensor(name), expected(b, self.find((t) => t.name === name)!, w), name);
    }
    assert.deepEqual(res.outputs[0].recipe.rules, ['^blocks\\.0\\.=0', 'blocks=0.5w', '.*=7']);
    await f.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('missing tensors and mismatches are errors naming the tensor, unless a policy says otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merge-'));
  try {
    const base = randomTensors(false);
    const self = randomTensors(true).filter((t) => t.name !== 'head.weight');
    self.push({ name: 'extra', dtype: 'F32', shape: [1], data: f32([1]) });
    const bad = self.map((t) => (t.name === 'blocks.1.mlp.weight' ? { ...t, shape: [20, 3] } : t));
    const B = join(dir, 'b.safetensors');
    const S = join(dir, 's.safetensors');
    const X = join(dir, 'x.safetensors');
    await writeSafetensors(B, base);
    await writeSafetensors(S, self);
    await writeSafetensors(X, bad);
    const out = join(dir, 'o.safetensors');
    await assert.rejects(
      mergeCheckpoints({ base: B, self: S, ws: [1], outputs: [out] }),
      (e: MergeError) => e.code === 'missing_tensor' && e.tensor === 'head.weight' && /head\.weight/.test(e.message),
    );
    await assert.rejects(
      mergeCheckpoints({ base: B, self: X, ws: [1], outputs: [out], policies: { onMissing: 'skip' } }),
      (e: MergeError) => e.code === 'shape_mismatch' && /blocks\.1\.mlp\.weight.*\[3, 20\].*\[20, 3\]/.test(e.message),
    );
    const res = await mergeCheckpoints({
      base: B,
      self: X,
      ws: [1],
      outputs: [out],
      policies: { onMissing: 'keep-base', onMismatch: 'keep-base' },
    });
    assert.deepEqual(res.plan.skipped, [{ name: 'extra', reason: 'missing from base' }]);
    let f = await openSafetensors(out);
    assert.deepEqual(await f.readTensor('head.weight'), base[6].data);
    assert.deepEqual(await f.readTensor('blocks.1.mlp.weight'), base[2].data);
    assert.equal(f.tensor('extra'), undefined);
    await f.close();
    await mergeCheckpoints({ base: B, self: S, ws: [1], outputs: [out], policies: { onMissing: 'skip' } });
    f = await openSafetensors(out);
    assert.equal(f.tensor('head.weight'), undefined);
    assert.equal(JSON.parse(f.metadata[RECIPE_KEY]).policies.onMissing, 'skip');
    await f.close();
    // dtype mismatch
    await writeSafetensors(
      X,
      self.map((t) => (t.name === 'scale' ? { ...t, dtype: 'I64' as const } : t)),
    );
    await assert.rejects(
      mergeCheckpoints({ base: B, self: X, ws: [1], outputs: [out], policies: { onMissing: 'skip' } }),
      (e: MergeError) => e.code === 'dtype_mismatch' && e.tensor === 'scale',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sharded index that disagrees with its shards is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merge-'));
  try {
    const base = randomTensors(false);
    await writeSharded(dir, base, [
      [0, 1],
      [2, 3, 4, 5, 6],
    ]);
    const idx = JSON.parse(await readFile(join(dir, INDEX_NAME), 'utf8'));
    idx.weight_map['ghost'] = 'model-00001-of-00002.safetensors';
    await writeFile(join(dir, INDEX_NAME), JSON.stringify(idx));
    await assert.rejects(
      openCheckpoint(dir),
      (e: SafetensorsError) => e.code === 'invalid_index' && /ghost/.test(e.message),
    );
    delete idx.weight_map.ghost;
    delete idx.weight_map['scale'];
    await writeFile(join(dir, INDEX_NAME), JSON.stringify(idx));
    await assert.rejects(openCheckpoint(dir), /holds tensor "scale", which the weight_map does not list/);
    idx.weight_map.scale = '../escape.safetensors';
    await writeFile(join(dir, INDEX_NAME), JSON.stringify(idx));
    await assert.rejects(openCheckpoint(dir), /must be a file name/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
