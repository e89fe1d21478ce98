import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { parseManifest } from '../models/manifest.ts';
import { fmnistSubset, tinyModel } from '../families/tiny.test-util.ts';
import { readModelDir } from '../models/model-files.ts';
import { saveModelVersion } from '../models/with-weights.ts';
import { selfTrain } from './self-train.ts';
import { tensorToFloat32 } from '../onnx/tensor-data.ts';
import { fashionMnistSkip } from '../data/fashion-mnist-skip.test-util.ts';

test('self-training starts from θr, writes snapshots with lineage and the compute fraction', {
  skip: fashionMnistSkip(),
}, async () => {
  const tf = await loadTf();
  const dir = await mkdtemp(join(tmpdir(), 'neon-self-'));
  try {
    const { model, manifest } = tinyModel('flow');
    const pretrainFlops = 1e12;
    const base = await saveModelVersion(join(dir, 'base'), model, {
      ...manifest,
      training: { steps: 100, flops: pretrainFlops },
    });
    const samples = { ...(await fmnistSubset(64)), id: 'sample-set-abc' };
    const versions = await selfTrain(tf, {
      base,
      samples,
      config: { steps: 6, batch: 16, lr: 1e-3, seed: 1, snapshotEvery: 3, ema: 0.9 },
      out: join(dir, 'self'),
    });
    assert.deepEqual(
      versions.map((v) => v.manifest.lineage.self_train?.step),
      [3, 6],
    );
    const v = await readModelDir(join(dir, 'self', 'step-6'));
    const m = parseManifest(JSON.parse(JSON.stringify(v.manifest)));
    assert.equal(m.lineage.base, base.hash);
    assert.equal(m.lineage.self_train?.sample_set, 'sample-set-abc');
    const params = model.graph.initializer.reduce((a, t) => a + t.dims.reduce((p, d) => p * d, 1), 0);
    assert.equal(m.training?.flops, 6 * params * 6 * 16);
    assert.ok(Math.abs(m.lineage.self_train!.compute_fraction! - (6 * params * 96) / pretrainFlops) < 1e-12);
    // the weights moved away from θr
    const w0 = tensorToFloat32(base.model.graph.initializer.find((t) => t.name === 'in.weight')!);
    const w1 = tensorToFloat32(v.model.graph.initializer.find((t) => t.name === 'in.weight')!);
    assert.ok(w0.some((x, i) => x !== w1[i]));
    assert.equal(v.model.graph.node.length, base.model.graph.node.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
