// `neon check-model` against PyTorch itself: networks written and exported by PyTorch (scripts/export-torch-fixtures.py),
// whose loss and gradients on a saved batch must equal PyTorch's; and bad input exits 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertUsageErrors, lastJson, neonProcess } from './testing/neon-process.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../shared/safetensors/checkpoint.ts';
import { saveNpz } from '../shared/npz/npz.ts';
import { GraphBuilder } from '../shared/onnx/graph-builder.ts';
import { encodeModel } from '../shared/onnx/onnx-proto.ts';

const { home, neon } = neonProcess('neon-check-');
const FIX = 'tests/fixtures/torch';

async function readF32(path: string): Promise<Map<string, Float32Array>> {
  const ck = await openCheckpoint(path);
  try {
    const out = new Map<string, Float32Array>();
    for (const name of ck.names()) {
      const { file } = ck.tensors.get(name)!;
      const b = await file.readTensor(name);
      out.set(name, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
    }
    return out;
  } finally {
    await ck.close();
  }
}

for (const name of ['unet', 'transformer']) {
  test(`${name} exported by PyTorch: loss and every gradient equal PyTorch's`, async () => {
    const out = join(home, `${name}-grads.safetensors`);
    const r = neon([
      'check-model',
      '--model',
      `${FIX}/${name}.onnx`,
      '--batch',
      `${FIX}/${name}-batch.npz`,
      '--grads-out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const res = lastJson(r.stdout);
    const expected = JSON.parse(readFileSync(`${FIX}/${name}-expected.json`, 'utf8'));
    assert.deepEqual(res.unsupported, []);
    assert.ok(res.max_abs_diff < 1e-4, `forward parity ${res.max_abs_diff}`);
    assert.ok(
      Math.abs(res.loss - expected.loss) <= 1e-5 * Math.abs(expected.loss),
      `loss ${res.loss} vs PyTorch ${expected.loss}`,
    );
    const ours = await readF32(out);
    const torch = await readF32(`${FIX}/${name}-grads.safetensors`);
    assert.deepEqual([...ours.keys()].sort(), [...torch.keys()].sort(), 'the same parameters, by PyTorch name');
    assert.equal(res.grads.tensors, torch.size);
    let total = 0;
    for (const [k, t] of torch) {
      const o = ours.get(k)!;
      assert.equal(o.length, t.length, k);
      let d2 = 0;
      let t2 = 0;
      for (let i = 0; i < t.length; i++) {
        d2 += (o[i] - t[i]) ** 2;
        t2 += t[i] ** 2;
      }
      total += t.length;
      // relative 1e-4 by norm (a tensor whose true gradient is ~0 is held to an absolute bound instead)
      assert.ok(
        Math.sqrt(d2) <= 1e-4 * Math.max(Math.sqrt(t2), 1e-6),
        `${k}: |ours − torch| = ${Math.sqrt(d2)}, |torch| = ${Math.sqrt(t2)}`,
      );
    }
    assert.equal(total, expected.parameters);
  });
}

test('check-model: bad input exits 2 with one line naming the operator, model, array or flag', async () => {
  const bad = join(home, 'bad.npz');
  const noTarget = join(home, 'no-target.npz');
  await saveNpz(bad, { x: { shape: [1, 1, 28, 28], data: new Float32Array(784) } });
  await saveNpz(noTarget, {
    x: { shape: [1, 784], data: new Float32Array(784).fill(-1) },
    y: { shape: [1], data: new BigInt64Array(1) },
  });
  const g = new GraphBuilder('unsupported');
  g.output(g.op('Hardmax', [g.op('Relu', [g.input('x', ['N', 4])])], { axis: 1 }), ['N', 4]);
  const unsupported = join(home, 'hardmax.onnx');
  writeFileSync(unsupported, encodeModel(g.build()));
  const trunc = join(home, 'trunc.onnx');
  writeFileSync(trunc, readFileSync(`${FIX}/unet.onnx`).subarray(0, 1000));
  assertUsageErrors(neon, [
    [['check-model'], '--model'],
    [['check-model', '--model', unsupported], "'Hardmax'"],
    [['check-model', '--model', 'no-such-model'], 'no-such-model'],
    [['check-model', '--model', trunc], 'trunc.onnx'],
    [['check-model', '--model', `${FIX}/unet.onnx`, '--batch', bad], "'t'"],
    [
      [
        'check-model',
        '--model',
        `${FIX}/transformer.onnx`,
        '--batch',
        noTarget,
        '--grads-out',
        join(home, 'g.safetensors'),
      ],
      'target',
    ],
    [['check-model', '--model', `${FIX}/unet.onnx`, '--batch', join(home, 'missing.npz')], 'missing.npz'],
  ]);
});
