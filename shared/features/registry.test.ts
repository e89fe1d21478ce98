import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetStatsPath, REPO_ROOT, resolveExtractor, UnavailableError } from './registry.ts';

test('shipped names resolve to the files under models/; missing files and unknown names are clear errors', async () => {
  assert.equal(datasetStatsPath('fmnist:test').path, join(REPO_ROOT, 'models', 'fid-refs', 'fmnist-test.npz'));
  const empty = mkdtempSync(join(tmpdir(), 'registry-'));
  await assert.rejects(
    resolveExtractor('fmnist', empty),
    (e: Error) =>
      e instanceof UnavailableError &&
      /'fmnist' extractor is missing \(models\/fmnist\/extractor\.onnx\).*train:classifier/.test(e.message),
  );
  assert.throws(
    () => datasetStatsPath('fmnist:train', empty),
    (e: Error) =>
      e instanceof UnavailableError &&
      /'fmnist:train' are missing \(models\/fid-refs\/fmnist-train\.npz\)/.test(e.message),
  );
  assert.throws(() => datasetStatsPath('cifar:train'), /unknown dataset 'cifar:train'/);
  await assert.rejects(resolveExtractor('inception'), /unknown extractor 'inception'/);
});
