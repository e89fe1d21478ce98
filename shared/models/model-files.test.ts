import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlp } from '../networks/toy-mlp.ts';
import { readModelDir, writeModelDir, exportSafetensors } from './model-files.ts';
import { openSafetensors } from '../safetensors/reader.ts';
import { tensorToFloat32 } from '../onnx/tensor-data.ts';

test('a model directory round-trips and its weights export to safetensors by name', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neon-model-'));
  const model = buildMlp('toy', { inputs: [{ name: 'x', width: 2 }], hidden: 8, blocks: 2, outputs: 2, seed: 1 });
  const hash = await writeModelDir(dir, model, {
    name: 'toy',
    family: 'ddpm',
    data: { shape: [2] },
    conditioning: { num_classes: 0 },
    loss: { kind: 'ddpm-eps' },
    sampler: { kind: 'ddim', steps: 20 },
    io: { inputs: { x: 'x' }, outputs: { eps: 'out_0' } },
  });
  const back = await readModelDir(dir);
  assert.equal(back.hash, hash);
  assert.equal(back.manifest.name, 'toy');
  const out = join(dir, 'weights.safetensors');
  await exportSafetensors(back.model, out, { source: hash });
  const st = await openSafetensors(out);
  const names = model.graph.initializer.map((t) => t.name);
  assert.deepEqual(st.tensors.map((t) => t.name).sort(), [...names].sort());
  const w = model.graph.initializer[0];
  const info = st.tensor(w.name)!;
  assert.equal(info.dtype, 'F32');
  assert.deepEqual([...info.shape], w.dims);
  const bytes = await st.readTensor(w.name);
  assert.deepEqual(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), tensorToFloat32(w));
  assert.equal(st.metadata.source, hash);
  await st.close();
});
