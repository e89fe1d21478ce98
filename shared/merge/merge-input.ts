// The two sides of a merge, whatever their format: a safetensors file, a sharded safetensors checkpoint, or an
// ONNX model (its initializers, from raw_data, typed fields or external data). Each tensor reads by byte range.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { openCheckpoint, type Checkpoint } from '../safetensors/checkpoint.ts';
import { FileSource, MemorySource, readExactly } from '../safetensors/byte-source.ts';
import type { Dtype } from '../safetensors/dtype.ts';
import { DATA_TYPE_BYTES, DataType, decodeModel, type ModelProto, type TensorProto } from '../onnx/onnx-proto.ts';
import { elementCount, tensorBytes } from '../onnx/tensor-data.ts';
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
  return (format ?? (isOnnxPath(path) ? 'onnx' : 'safetensors')) === 'onnx'
    ? openOnnxInput(path)
    : openSafetensorsInput(path);
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
  const dir = dirname(resolve(path));
  const tensors: TensorInput[] = [];
  const initializers = new Map<string, TensorProto>();
  // external data files, opened once each and hashed from the reads (like safetensors files)
  const externals = new Map<string, HashingSource>();
  const openExternal = async (location: string, tensor: string): Promise<HashingSource> => {
    const file = resolve(dir, location);
    const rel = relative(dir, file);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new Error(`onnx: tensor '${tensor}': external data location '${location}' escapes the model folder`);
    let src = externals.get(rel);
    if (!src) externals.set(rel, (src = new HashingSource(await FileSource.open(file))));
    return src;
  };
  try {
    for (const t of model.graph.initializer) {
      initializers.set(t.name, t);
      const dtype = ONNX_DTYPES[t.dataType];
      if (!dtype) {
        // types without a safetensors counterpart (strings, float8, int4, ...) are kept verbatim: an opaque, empty entry
        tensors.push({ name: t.name, dtype: 'U8', shape: [0], byteLength: 0, read: async () => {} });
        continue;
      }
      const byteLength = elementCount(t.dims) * DATA_TYPE_BYTES[t.dataType];
      if (t.dataLocation === 1) {
        // external data is read by range, never loaded whole
        const info = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
        const location = info.get('location');
        if (!location) throw new Error(`onnx: tensor '${t.name}': external data without a location`);
        const src = await openExternal(location, t.name);
        const offset = Number(info.get('offset') ?? 0);
        const length = info.has('length') ? Number(info.get('length')) : byteLength;
        if (!Number.isSafeInteger(offset) || offset < 0 || length !== byteLength || offset + length > src.size) {
          throw new Error(
            `onnx: tensor '${t.name}': external data ${location} [${offset}, +${length}) does not hold its ${byteLength} bytes (file: ${src.size} bytes)`,
          );
        }
        tensors.push({
          name: t.name,
          dtype,
          shape: t.dims,
          byteLength,
          read: (dst, dstOffset, off, len) => readExactly(src, dst, dstOffset, len, offset + off),
        });
        continue;
      }
      const data = tensorBytes(t, path);
      const mem = new MemorySource(`${path}:${t.name}`, data);
      tensors.push({
        name: t.name,
        dtype,
        shape: t.dims,
        byteLength: data.length,
        read: (dst, dstOffset, off, len) => readExactly(mem, dst, dstOffset, len, off),
      });
    }
  } catch (err) {
    await Promise.all([...externals.values()].map((e) => e.close()));
    throw err;
  }
  const fileList = [
    { name: basename(path), bytes: bytes.length },
    ...[...externals].map(([rel, src]) => ({ name: rel, bytes: src.size })),
  ];
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
        const out: InputFile[] = [
          { name: basename(path), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        ];
        for (const [rel, src] of externals) out.push({ name: rel, bytes: src.size, sha256: await src.digest() });
        return out;
      })()),
    close: async () => {
      await Promise.all([...externals.values()].map((e) => e.close()));
    },
  };
}
