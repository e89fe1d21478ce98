// The shipped base models (models/fmnist-{flow,edm,ar}): each loads, its manifest parses and matches its graph,
// it is small enough to ship, and the tfjs interpreter and onnxruntime agree on its forward pass.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../features/registry.ts';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { compareEngines } from '../engine/parity.ts';
import { f32, i64 } from '../engine/tensor.ts';
import { Rng } from '../random/prng.ts';
import { readModelDir } from '../models/model-files.ts';
import { FMNIST_FAMILIES } from '../networks/fmnist-models.ts';

const ort = new OrtEngine();
after(() => ort.close());

for (const family of FMNIST_FAMILIES) {
  const dir = join(REPO_ROOT, 'models', `fmnist-${family}`);
  test(`models/fmnist-${family}: loads, its manifest parses, and both engines agree`, {
    skip: existsSync(join(dir, 'model.onnx')) ? false : 'not trained yet',
  }, async () => {
    const m = await readModelDir(dir);
    assert.equal(m.manifest.family, family);
    assert.equal(m.manifest.name, `fmnist-${family}`);
    assert.ok(m.bytes.length < 10 * 1024 * 1024, `${m.bytes.length} bytes`);
    assert.ok((m.manifest.training?.flops ?? 0) > 0 && (m.manifest.training?.steps ?? 0) > 0);
    const inputs = new Set(m.model.graph.input.map((i) => i.name));
    for (const name of Object.values(m.manifest.io.inputs)) assert.ok(inputs.has(name), `io input ${name}`);
    assert.ok(m.model.graph.output.some((o) => o.name === m.manifest.io.outputs.out));

    const rng = new Rng(17);
    const n = 3;
    const io = m.manifest.io.inputs;
    const feeds =
      family === 'ar'
        ? {
            [io.x]: f32(
              Float32Array.from({ length: n * 784 }, () => (2 * rng.int(4)) / 3 - 1),
              [n, 784],
            ),
            [io.y]: i64([0, 5, 10], [n]),
          }
        : {
            [io.x]: f32(
              Float32Array.from({ length: n * 784 }, () => rng.normal()),
              [n, 1, 28, 28],
            ),
            [io.t]: f32(Float32Array.from([0.1, 0.5, -0.9]), [n, 1]),
            [io.y]: i64([0, 5, 10], [n]),
          };
    const tf = await loadTf();
    for (const r of await compareEngines(tf, ort, m.model, feeds))
      assert.ok(r.maxRel < 1e-4, `${r.output}: max rel diff ${r.maxRel}`);
  });
}
