// Shared fixtures of the family tests: tiny networks of each family with random (non-zero) weights, their
// manifests, a small real Fashion-MNIST batch, and one ORT engine.
import { buildNetwork, baseManifest, type FmnistFamily } from '../networks/fmnist-models.ts';
import { parseManifest, type Manifest } from '../models/manifest.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { withWeights } from '../models/with-weights.ts';
import { tensorToFloat32 } from '../onnx/tensor-data.ts';
import { Rng } from '../random/prng.ts';
import { loadFashionMnist } from '../data/fashion-mnist.ts';
import { fromImageSet, type LabeledImages } from '../data/labeled-images.ts';

export function tinyModel(family: FmnistFamily, seed = 1): { model: ModelProto; manifest: Manifest } {
  const model = buildNetwork(family, seed, { tiny: true });
  return { model, manifest: parseManifest(baseManifest(family, model)) };
}

/** The model with every weight perturbed (so zero-initialised output layers do not hide bugs). */
export function randomized(model: ModelProto, seed: number, scale = 0.2): ModelProto {
  const rng = new Rng(seed);
  const w = new Map<string, Float32Array>();
  for (const t of model.graph.initializer) {
    const v = tensorToFloat32(t);
    const fanIn = t.dims.length === 2 ? t.dims[1] : 1;
    w.set(
      t.name,
      v.map((x) => x + (scale * rng.normal()) / Math.sqrt(fanIn)),
    );
  }
  return withWeights(model, w);
}

/** The first n images of the Fashion-MNIST test split. */
export async function fmnistSubset(n: number): Promise<LabeledImages> {
  const s = fromImageSet(await loadFashionMnist('test'), 'fashion-mnist/test');
  return { ...s, images: s.images.slice(0, n * 784), labels: Array.from(s.labels).slice(0, n), n };
}
