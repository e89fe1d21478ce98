// A model version on disk: a folder with model.onnx (the graph and its weights) and model.json (its manifest).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { decodeModel, encodeModel, type ModelProto } from '../onnx/onnx-proto.ts';
import { floatTensor } from '../onnx/tensor-data.ts';
import { parseManifest, type Manifest, type ManifestInput } from '../models/manifest.ts';

export interface ModelFiles {
  model: ModelProto;
  bytes: Uint8Array;
  manifest: Manifest;
  /** sha256 of model.onnx */
  sha256: string;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The model with the named FLOAT initializers replaced by `weights`. */
export function withWeights(model: ModelProto, weights: Map<string, Float32Array>): ModelProto {
  const initializer = model.graph.initializer.map((t) => {
    const w = weights.get(t.name);
    return w ? floatTensor(t.name, t.dims, w) : t;
  });
  return { ...model, graph: { ...model.graph, initializer } };
}

async function atomicWrite(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export async function writeModelDir(dir: string, model: ModelProto, manifest: ManifestInput): Promise<ModelFiles> {
  const m = parseManifest(manifest, join(dir, 'model.json'));
  const bytes = encodeModel(model);
  await mkdir(dir, { recursive: true });
  await atomicWrite(join(dir, 'model.onnx'), bytes);
  await atomicWrite(join(dir, 'model.json'), JSON.stringify(m, null, 2) + '\n');
  return { model, bytes, manifest: m, sha256: sha256Hex(bytes) };
}

export async function readModelDir(dir: string): Promise<ModelFiles> {
  const bytes = new Uint8Array(await readFile(join(dir, 'model.onnx')));
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
  return { model: decodeModel(bytes), bytes, manifest, sha256: sha256Hex(bytes) };
}
