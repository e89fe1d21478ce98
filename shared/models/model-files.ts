// A model on disk: `<dir>/model.onnx` (the graph; its initializers are the weights, by name) and
// `<dir>/model.json` (the manifest). Also the export of the weights to safetensors, by initializer name.
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { decodeModel, encodeModel, DataType, type ModelProto, type TensorProto } from '../onnx/onnx-proto.ts';
import { tensorBytes } from '../onnx/tensor-data.ts';
import { parseManifest, type Manifest, type ManifestInput } from './manifest.ts';
import { writeSafetensors, type TensorData } from '../safetensors/writer.ts';
import type { Dtype } from '../safetensors/dtype.ts';

export interface ModelFiles {
  dir: string;
  bytes: Uint8Array;
  model: ModelProto;
  manifest: Manifest;
  /** sha256 of the ONNX bytes: the version's content hash. */
  hash: string;
}

export async function readModelDir(dir: string): Promise<ModelFiles> {
  const onnxPath = join(dir, 'model.onnx');
  const bytes = new Uint8Array(await readFile(onnxPath));
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
  const model = decodeModel(bytes);
  return { dir, bytes, model, manifest, hash: createHash('sha256').update(bytes).digest('hex') };
}

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Writes model.onnx and model.json (validated) into `dir`; returns the content hash. */
export async function writeModelDir(dir: string, model: ModelProto, manifest: ManifestInput): Promise<string> {
  const m = parseManifest(manifest, join(dir, 'model.json'));
  await mkdir(dir, { recursive: true });
  const bytes = encodeModel(model);
  await atomicWrite(join(dir, 'model.onnx'), bytes);
  await atomicWrite(join(dir, 'model.json'), `${JSON.stringify(m, null, 2)}\n`);
  return createHash('sha256').update(bytes).digest('hex');
}

const ONNX_TO_SAFETENSORS: Record<number, Dtype> = {
  [DataType.FLOAT]: 'F32',
  [DataType.DOUBLE]: 'F64',
  [DataType.FLOAT16]: 'F16',
  [DataType.BFLOAT16]: 'BF16',
  [DataType.INT8]: 'I8',
  [DataType.UINT8]: 'U8',
  [DataType.INT16]: 'I16',
  [DataType.UINT16]: 'U16',
  [DataType.INT32]: 'I32',
  [DataType.UINT32]: 'U32',
  [DataType.INT64]: 'I64',
  [DataType.UINT64]: 'U64',
  [DataType.BOOL]: 'BOOL',
};

/** The graph's initializers as safetensors tensors, named as in the graph. */
export function initializersAsTensors(model: ModelProto, modelPath?: string): TensorData[] {
  return model.graph.initializer.map((t: TensorProto) => {
    const dtype = ONNX_TO_SAFETENSORS[t.dataType];
    if (!dtype) throw new Error(`initializer '${t.name}': ONNX data type ${t.dataType} has no safetensors dtype`);
    return { name: t.name, dtype, shape: t.dims, data: tensorBytes(t, modelPath) };
  });
}

/** Exports the weights of a model to a safetensors file (metadata records the source hash). */
export async function exportSafetensors(
  model: ModelProto,
  out: string,
  metadata: Record<string, string> = {},
  modelPath?: string,
): Promise<void> {
  await writeSafetensors(out, initializersAsTensors(model, modelPath), metadata);
}
