// The two sides of a merge, whatever their format: a safetensors file, a sharded safetensors checkpoint, or an
// ONNX model (its initializers, from raw_data, typed fields or external data). Each tensor reads by byte range.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { openCheckpoint, type Checkpoint } from '../safetensors/checkpoint.ts';
import { MemorySource, readExactly } from '../safetensors/byte-source.ts';
import type { Dtype } from '../safetensors/dtype.ts';
import { DataType, decodeModel, type ModelProto, type TensorProto } from '../onnx/onnx-proto.ts';
import { tensorBytes } from '../onnx/tensor-data.ts';
import { sha256File } from '../store/artifact-store.ts';
import { HashingSource } from './hashing-source.ts';
import type { TensorDesc } from './merge-plan.ts';

export interface TensorInput extends TensorDesc {
  /** Reads `length` bytes starting `offset` bytes into the tensor. */
  read(dst: Uint8Array, dstOffset: number, offset: number, length: number): Promise<void>;
}

export interface InputFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface MergeInput {
  format: 'safetensors' | 'onnx';
  path: string;
  /** Tensors in storage order. */
  tensors: TensorInput[];
  byName: Map<string, TensorInput>;
  metadata: Record<string, string>;
  /** The ONNX model and its initializers by name (ONNX inputs only). */
  model?: ModelProto;
  initializers?: Map<string, TensorProto>;
  /** The files the input consists of (names and sizes), in the order `files()` lists them. */
  fileList: { name: string; bytes: number }[];
  /** sha256 of every file the input consists of (reads what the merge did not). */
  files(): Promise<InputFile[]>;
  close(): Promise<void>;
}

export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith('.onnx');
}

export type InputFormat = 'safetensors' | 'onnx';

/** Opens a merge input; the format comes from the extension unless given (e.g. for extension-less blobs). */
export async function openMergeInput(path: string, format?: InputFormat): Promise<MergeInput> {
  return (format ?? (isOnnxPath(path) ? 'onnx' : 'safetensors')) === 'onnx' ? openOnnxInput(path) : openSafetensorsInput(path);
}

async function openSafetensorsInput(path: string): Promise<MergeInput> {
  const hashers: HashingSource[] = [];
  const ckpt: Checkpoint = await openCheckpoint(path, {
    wrap: (src) => {
      const h = new HashingSource(src);
      hashers.push(h);
      return h;
    },
  });
  const tensors: TensorInput[] = [];
  for (const [name, { info, file }] of ckpt.tensors) {
    tensors.push({
      name,
      dtype: info.dtype,
      shape: info.shape,
      byteLength: info.end - info.begin,
      read: (dst, dstOffset, offset, length) => file.readTensorRange(info, offset, dst, dstOffset, length),
    });
  }
  let digests: Promise<InputFile[]> | undefined;
  return {
    format: 'safetensors',
    path,
    tensors,
    byName: new Map(tensors.map((t) => [t.name, t])),
    metadata: ckpt.metadata,
    fileList: hashers.map((h) => ({ name: basename(h.name), bytes: h.size })),
    files: () =>
      (digests ??= (async () => {
        const out: InputFile[] = [];
        for (const h of hashers) out.push({ name: basename(h.name), bytes: h.size, sha256: await h.digest() });
        return out;
      })()),
    close: () => ckpt.close(),
  };
}

/** ONNX TensorProto.DataType → the safetensors dtype of the same layout (undefined: kept verbatim). */
export const ONNX_DTYPES: Record<number, Dtype> = {
  [DataType.FLOAT]: 'F32',
  [DataType.UINT8]: 'U8',
  [DataType.INT8]: 'I8',
  [DataType.UINT16]: 'U16',
  [DataType.INT16]: 'I16',
  [DataType.INT32]: 'I32',
  [DataType.INT64]: 'I64',
  [DataType.BOOL]: 'BOOL',
  [DataType.FLOAT16]: 'F16',
  [DataType.DOUBLE]: 'F64',
  [DataType.UINT32]: 'U32',
  [DataType.UINT64]: 'U64',
  [DataType.COMPLEX64]: 'C64',
  [DataType.BFLOAT16]: 'BF16',
};

async function openOnnxInput(path: string): Promise<MergeInput> {
  const bytes = await readFile(path);
  const model = decodeModel(bytes);
  const tensors: TensorInput[] = [];
  const initializers = new Map<string, TensorProto>();
  const external = new Set<string>();
  for (const t of model.graph.initializer) {
    initializers.set(t.name, t);
    const dtype = ONNX_DTYPES[t.dataType];
    // types without a safetensors counterpart (strings, float8, int4, ...) take part as opaque U8 bytes: copied
    const data = dtype ? tensorBytes(t, path) : undefined;
    if (t.dataLocation === 1) for (const e of t.externalData ?? []) if (e.key === 'location') external.add(e.value);
    const src = new MemorySource(`${path}:${t.name}`, data ?? new Uint8Array(0));
    tensors.push({
      name: t.name,
      dtype: dtype ?? 'U8',
      shape: dtype ? t.dims : [0],
      byteLength: data?.length ?? 0,
      read: (dst, dstOffset, offset, length) => readExactly(src, dst, dstOffset, length, offset),
    });
  }
  const externalFiles = [...external].sort();
  const fileList = [{ name: basename(path), bytes: bytes.length }];
  for (const loc of externalFiles) fileList.push({ name: loc, bytes: (await stat(resolve(dirname(resolve(path)), loc))).size });
  let digests: Promise<InputFile[]> | undefined;
  return {
    format: 'onnx',
    path,
    tensors,
    byName: new Map(tensors.map((t) => [t.name, t])),
    metadata: Object.fromEntries(model.metadataProps.map((e) => [e.key, e.value])),
    model,
    initializers,
    fileList,
    files: () =>
      (digests ??= (async () => {
        const out: InputFile[] = [{ name: basename(path), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }];
        for (const loc of externalFiles) {
          const file = resolve(dirname(resolve(path)), loc);
          out.push({ name: loc, bytes: (await stat(file)).size, sha256: await sha256File(file) });
        }
        return out;
      })()),
    close: async () => {},
  };
}

