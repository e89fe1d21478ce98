// The shipped generators' class-conditioned samples, at their default settings, are recognised by the shipped
// Fashion-MNIST classifier (a small-sample version of `npm run check-classes`, which uses 1,000 per class).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../features/registry.ts';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { readModelDir } from '../models/model-files.ts';
import { FMNIST_FAMILIES } from '../networks/fmnist-models.ts';
import { FMNIST_CLASSIFIER_PATH, loadFmnistClassifier } from '../networks/fmnist-classify.ts';
import { classAccuracy } from './class-accuracy.ts';

const ort = new OrtEngine();
after(() => ort.close());

// samples per class: the autoregressive sampler makes 784 sequential calls, so it gets fewer
const N_PER_CLASS: Record<string, number> = { flow: 20, edm: 20, ar: 5 };

for (const family of FMNIST_FAMILIES) {
  const dir = join(REPO_ROOT, 'models', `fmnist-${family}`);
  const ready = existsSync(join(dir, 'model.onnx')) && existsSync(FMNIST_CLASSIFIER_PATH);
  test(`fmnist-${family}: class-conditioned samples are labelled with their class`, {
    skip: ready ? false : 'model or classifier missing',
  }, async () => {
    const files = await readModelDir(dir);
    const classifier = await loadFmnistClassifier({ engine: ort });
    const session = await ort.load(files.bytes);
    try {
      const r = await classAccuracy(session, files.manifest, (images, n) => classifier.classify(images, n), {
        nPerClass: N_PER_CLASS[family],
        seed: 123,
      });
      assert.ok(r.mean >= 0.85, `mean accuracy ${r.mean} (${r.perClass.join(', ')})`);
      assert.ok(r.min >= 0.6, `worst class ${r.min} (${r.perClass.join(', ')})`);
    } finally {
      await session.release();
      await classifier.close();
    }
  });
}
