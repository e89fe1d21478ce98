import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, didYouMeanSuffix, editDistance } from './did-you-mean.ts';

test('edit distance: insertions, deletions, substitutions and a swap of neighbours are one edit each', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('seed', 'seed'), 0);
  assert.equal(editDistance('seed', 'sed'), 1);
  assert.equal(editDistance('seed', 'seeds'), 1);
  assert.equal(editDistance('seed', 'send'), 1);
  assert.equal(editDistance('guidance', 'guidnace'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('did you mean: the closest candidate within a third of the word, else nothing', () => {
  const fields = ['model', 'n', 'guidance_scale', 'num_inference_steps', 'seed', 'class_labels'];
  assert.equal(didYouMean('guidance_scle', fields), 'guidance_scale');
  assert.equal(didYouMean('num_inference_step', fields), 'num_inference_steps');
  assert.equal(didYouMean('Seed', fields), 'seed');
  assert.equal(didYouMean('class_label', fields), 'class_labels');
  assert.equal(didYouMean('temperature', fields), undefined);
  assert.equal(didYouMean('x', fields), undefined);
  assert.equal(didYouMeanSuffix('modle', fields), " (did you mean 'model'?)");
  assert.equal(didYouMeanSuffix('zzz', fields), '');
});
