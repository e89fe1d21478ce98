import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureNeon as capture } from './testing/capture-neon.ts';
import { writeSafetensors } from '../shared/safetensors/writer.ts';
import { openSafetensors } from '../shared/safetensors/reader.ts';

const bf16 = (v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);

test('neon merge: a w grid into a folder, files named by w, --json summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cli-merge-'));
  try {
    const A = join(dir, 'a.safetensors');
    const B = join(dir, 'b.safetensors');
    await writeSafetensors(A, [
      { name: 'blocks.0.w', dtype: 'BF16', shape: [2], data: bf16([0x3f80, 0x4000]) },
      { name: 'head.w', dtype: 'BF16', shape: [1], data: bf16([0x3f80]) },
    ]);
    await writeSafetensors(B, [
      { name: 'blocks.0.w', dtype: 'BF16', shape: [2], data: bf16([0x3f00, 0x4000]) },
      { name: 'head.w', dtype: 'BF16', shape: [1], data: bf16([0x3f00]) },
    ]);
    const out = join(dir, 'out');
    const r = await capture([
      'merge',
      '--base',
      A,
      '--self',
      B,
      '--w',
      '0:1:0.5',
      '--rule',
      '^head\\.=0',
      '--out',
      out,
      '--json',
      '--quiet',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((await readdir(out)).sort(), [
      'neon-w0.5.safetensors',
      'neon-w0.safetensors',
      'neon-w1.safetensors',
    ]);
    const summary = JSON.parse(r.out.trim().split('\n').pop()!);
    assert.deepEqual(
      summary.outputs.map((o: { w: number }) => o.w),
      [0, 0.5, 1],
    );
    assert.deepEqual(summary.recipe.rules, ['^head\\.=0']);
    const f = await openSafetensors(join(out, 'neon-w1.safetensors'));
    // (1+1)·1 − 1·0.5 = 1.5 → 0x3fc0; 2 stays 2; head keeps the base (rule w = 0)
    assert.deepEqual(Array.from(new Uint16Array((await f.readTensor('blocks.0.w')).buffer)), [0x3fc0, 0x4000]);
    assert.deepEqual(Array.from(new Uint16Array((await f.readTensor('head.w')).buffer)), [0x3f80]);
    await f.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('neon merge: bad flags exit 2 naming the flag; a broken input exits 2 naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cli-merge-'));
  try {
    assert.equal((await capture(['merge', '--self', 'x', '--w', '1', '--out', 'o'])).code, 2);
    const r = await capture(['merge', '--base', 'a', '--self', 'b', '--w', '1', '--out', 'o', '--on-missing', 'maybe']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--on-missing must be one of error\|keep-base\|skip/);
    assert.match(
      (await capture(['merge', '--base', 'a', '--self', 'b', '--w', '1', '--out', 'o', '--rule', 'nope'])).err,
      /--rule/,
    );
    const bad = await capture([
      'merge',
      '--base',
      join(dir, 'missing.safetensors'),
      '--self',
      'b',
      '--w',
      '1',
      '--out',
      join(dir, 'o.safetensors'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no such file or folder/);
    // a truncated ONNX file: one line naming it, no stack trace
    const onnx = join(dir, 'truncated.onnx');
    await writeFile(onnx, new Uint8Array([0x08, 0x07, 0x3a, 0xff, 0xff, 0x03, 0x0a]));
    const truncated = await capture([
      'merge',
      '--base',
      onnx,
      '--self',
      onnx,
      '--w',
      '1',
      '--out',
      join(dir, 'o.onnx'),
    ]);
    assert.equal(truncated.code, 2);
    assert.equal(truncated.err.trim().split('\n').length, 1, truncated.err);
    assert.ok(truncated.err.includes(onnx), truncated.err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
