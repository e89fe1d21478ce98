import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classNamesOf } from './class-names.ts';
import { parseManifest } from './manifest.ts';
import { tinyFlowModel } from '../families/test-fixtures/tiny-flow.ts';

test('class names: the manifest own, else those of its training dataset, else none; a wrong count is named', () => {
  const { manifest } = tinyFlowModel('tiny-flow', 1);
  const k = manifest.conditioning.num_classes;
  assert.ok(k > 0);
  assert.equal(classNamesOf(manifest), null);
  const names = Array.from({ length: k }, (_, i) => `kind ${i}`);
  assert.deepEqual(
    classNamesOf(parseManifest({ ...manifest, conditioning: { ...manifest.conditioning, class_names: names } })),
    names,
  );
  const fmnist = { conditioning: { num_classes: 10 }, training: { dataset: 'fashion-mnist/train' } };
  assert.deepEqual(classNamesOf(fmnist)?.slice(0, 2), ['T-shirt/top', 'Trouser']);
  assert.equal(classNamesOf(fmnist)?.[9], 'Ankle boot');
  assert.equal(classNamesOf({ conditioning: { num_classes: 0 }, training: { dataset: 'fashion-mnist/train' } }), null);
  assert.throws(
    () => parseManifest({ ...manifest, conditioning: { ...manifest.conditioning, class_names: ['one'] } }),
    /class_names/,
  );
});
