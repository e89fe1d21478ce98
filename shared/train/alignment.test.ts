// The alignment diagnostic on a tiny flow network (random weights, so its population gradient is large against the
// minibatch noise): the population gradient's halves average to its mean and its mean square bounds its square;
// a synthetic set from the real set's own distribution is aligned with it (cos_P > 0, predicting w < 0), and a set
// from another distribution is less aligned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { familyFor } from '../families/registry.ts';
import { randomized, tinyModel } from '../families/tiny.test-util.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import { Rng } from '../random/prng.ts';
import { populationGradient } from './population-gradient.ts';
import { alignment } from './alignment.ts';

/** n 28×28 images: bright blobs of a class-dependent size (the "real" kind), or uniform noise. */
function images(n: number, seed: number, kind: 'blobs' | 'noise'): LabeledImages {
  const rng = new Rng(seed);
  const px = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    const r = 4 + labels[i];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const inside = (x - 14) ** 2 + (y - 14) ** 2 < r * r;
        px[i * 784 + y * 28 + x] = kind === 'noise' ? rng.int(256) : inside ? 200 + rng.int(56) : rng.int(30);
      }
    }
  }
  return { images: px, labels, n, shape: [1, 28, 28], id: `${kind}-${seed}` };
}

test('populationGradient: the halves average to the mean, and the mean square is at least the square of the mean', async () => {
  const tf = await loadTf();
  const { model, manifest } = tinyModel('flow');
  const graph = new TfGraph(tf, randomized(model, 3));
  try {
    const g = populationGradient(tf, graph, familyFor('flow'), manifest, images(200, 1, 'blobs'), {
      batches: 4,
      batch: 16,
      seed: 5,
    });
    assert.equal(g.examples, 64);
    let checked = 0;
    for (const [name, mean] of g.mean) {
      const sq = g.meanSquare.get(name)!;
      const [a, b] = [g.halves[0].get(name)!, g.halves[1].get(name)!];
      for (let i = 0; i < mean.length; i++) {
        assert.ok(
          Math.abs((a[i] + b[i]) / 2 - mean[i]) <= 1e-5 * (1 + Math.abs(mean[i])),
          `${name}[${i}]: halves ${a[i]}, ${b[i]} vs mean ${mean[i]}`,
        );
        assert.ok(sq[i] >= mean[i] * mean[i] * (1 - 1e-5), `${name}[${i}]: E[g²] ${sq[i]} < E[g]² ${mean[i] ** 2}`);
        checked++;
      }
    }
    assert.ok(checked > 1000);
    // the same seed draws the same minibatches and loss noise
    const again = populationGradient(tf, graph, familyFor('flow'), manifest, images(200, 1, 'blobs'), {
      batches: 4,
      batch: 16,
      seed: 5,
    });
    for (const [name, mean] of g.mean) assert.deepEqual(again.mean.get(name), mean);
  } finally {
    graph.dispose();
  }
});

test('alignment: samples of the data distribution align with it (cos_P > 0, predicts w < 0), noise aligns less', async () => {
  const tf = await loadTf();
  const { model, manifest } = tinyModel('flow');
  const graph = new TfGraph(tf, randomized(model, 3));
  try {
    const r = alignment(tf, graph, familyFor('flow'), manifest, {
      real: images(400, 1, 'blobs'),
      synthetic: [
        { setting: { guidance_scale: 1 }, samples: images(400, 2, 'blobs') },
        { setting: { guidance_scale: 2 }, samples: images(400, 3, 'noise') },
      ],
      gradient: { batches: 8, batch: 32, seed: 0 },
    });
    assert.ok(r.real_self_cosine > 0.5, `real self-cosine ${r.real_self_cosine}`);
    const [same, other] = r.points;
    assert.deepEqual(same.setting, { guidance_scale: 1 });
    assert.ok(same.cosine > 0.5, `same distribution: cos ${same.cosine}`);
    assert.equal(same.predicts, 'w<0');
    assert.ok(same.consistent);
    assert.ok(other.cosine < same.cosine, `noise cos ${other.cosine} ≥ same-distribution cos ${same.cosine}`);
  } finally {
    graph.dispose();
  }
});
