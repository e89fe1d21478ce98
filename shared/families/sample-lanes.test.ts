// Lanes split a request into concurrent slices: the images and labels must be those of the one batch, for every
// family, with per-sample labels and with one label for all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import { encodeModel } from '../onnx/onnx-proto.ts';
import { FMNIST_FAMILIES } from '../networks/fmnist-models.ts';
import { familyFor } from './registry.ts';
import { laneRequests, MIN_LANE_SAMPLES, sampleInLanes } from './sample-lanes.ts';
import { randomized, tinyModel } from './tiny.test-util.ts';

const ort = new OrtEngine();
after(() => ort.close());

test('lanes cover the request: contiguous firsts, sliced labels, no lane under the minimum', () => {
  const labels = Array.from({ length: 50 }, (_, i) => i % 10);
  const lanes = laneRequests({ n: 50, seed: 3, first: 100, classLabels: labels }, 3);
  assert.deepEqual(
    lanes.map((l) => [l.first, l.n]),
    [
      [100, 16],
      [116, 17],
      [133, 17],
    ],
  );
  assert.deepEqual(
    lanes.flatMap((l) => l.classLabels),
    labels,
  );
  assert.deepEqual(
    laneRequests({ n: 40, seed: 3, classLabels: [4] }, 2).map((l) => [l.first, l.n, l.classLabels]),
    [
      [0, 20, [4]],
      [20, 20, [4]],
    ],
  );
  assert.equal(laneRequests({ n: 2 * MIN_LANE_SAMPLES - 1, seed: 0 }, 2).length, 1);
  assert.equal(laneRequests({ n: 64, seed: 0 }, 1).length, 1);
  // small samples: 64 of 8×8 stay one batch, 64 of 28×28 split
  assert.equal(laneRequests({ n: 64, seed: 0 }, 2, 64).length, 1);
  assert.equal(laneRequests({ n: 64, seed: 0 }, 2, 784).length, 2);
});

for (const name of FMNIST_FAMILIES) {
  test(`${name}: a request sampled in lanes equals the one batch`, async () => {
    const { model, manifest } = tinyModel(name);
    const session = await ort.load(encodeModel(randomized(model, 4)));
    const family = familyFor(name);
    const steps = name === 'ar' ? undefined : 2;
    try {
      const n = 2 * MIN_LANE_SAMPLES + 1;
      const labels = Array.from({ length: n }, (_, i) => i % 11);
      const one = await family.sample(session, manifest, { n, seed: 9, classLabels: labels, steps, guidanceScale: 2 });
      const laned = await sampleInLanes(
        family,
        session,
        manifest,
        { n, seed: 9, classLabels: labels, steps, guidanceScale: 2 },
        2,
      );
      assert.deepEqual(laned.images, one.images);
      assert.deepEqual(laned.labels, one.labels);
      const shared = await sampleInLanes(family, session, manifest, { n, seed: 9, classLabels: [6], steps }, 2);
      assert.deepEqual([...shared.labels], new Array(n).fill(6));
    } finally {
      await session.release();
    }
  });
}
