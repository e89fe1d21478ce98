// A model with new weights, and a model version written to disk and returned as the files it made.
import { encodeModel, type ModelProto } from '../onnx/onnx-proto.ts';
import { floatTensor } from '../onnx/tensor-data.ts';
import { parseManifest, type ManifestInput } from './manifest.ts';
import { writeModelDir, type ModelFiles } from './model-files.ts';

/** The model with the named FLOAT initializers replaced by `weights`. */
export function withWeights(model: ModelProto, weights: Map<string, Float32Array>): ModelProto {
  const initializer = model.graph.initializer.map((t) => {
    const w = weights.get(t.name);
    return w ? floatTensor(t.name, t.dims, w) : t;
  });
  return { ...model, graph: { ...model.graph, initializer } };
}

/** Writes model.onnx + model.json into `dir` and returns them as ModelFiles. */
export async function saveModelVersion(dir: string, model: ModelProto, manifest: ManifestInput): Promise<ModelFiles> {
  const hash = await writeModelDir(dir, model, manifest);
  return { dir, bytes: encodeModel(model), model, manifest: parseManifest(manifest), hash };
}
