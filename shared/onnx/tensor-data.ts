// Tensor payloads: reading an initializer's values (raw_data, typed fields, or external data files)
// and making initializers from typed arrays.
import { containedPath, PathEscapeError } from '../files/contained-path.ts';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { DataType, DATA_TYPE_BYTES, type TensorProto } from './onnx-proto.ts';

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * The little-endian bytes of a fixed-size tensor, whichever way the file stores them.
 * `modelPath` is needed for external data (paths are relative to the model file's folder).
 */
export function tensorBytes(t: TensorProto, modelPath?: string): Uint8Array {
  const size = DATA_TYPE_BYTES[t.dataType];
  if (size === undefined) throw new Error(`tensor '${t.name}': data type ${t.dataType} has no fixed size`);
  const n = elementCount(t.dims);
  const expected = n * size;
  let out: Uint8Array;
  if (t.dataLocation === 1) out = readExternal(t, modelPath);
  else if (t.rawData) out = t.rawData;
  else out = typedFieldBytes(t, n);
  if (out.length !== expected) {
    throw new Error(
      `tensor '${t.name}': ${out.length} bytes of data for dims [${t.dims.join(', ')}] (expected ${expected})`,
    );
  }
  return out;
}

function readExternal(t: TensorProto, modelPath?: string): Uint8Array {
  const info = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
  const location = info.get('location');
  if (!location) throw new Error(`tensor '${t.name}': external data without a location`);
  if (!modelPath) throw new Error(`tensor '${t.name}': external data needs the model's path`);
  const dir = dirname(resolve(modelPath));
  let file: string;
  try {
    file = containedPath(dir, location);
  } catch (err) {
    if (err instanceof PathEscapeError)
      throw new Error(`tensor '${t.name}': external data location escapes the model folder (${err.message})`, {
        cause: err,
      });
    throw err;
  }
  // only the tensor's range is read: one external file often holds every tensor of a large model
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const offset = Number(info.get('offset') ?? 0);
    const length = info.has('length') ? Number(info.get('length')) : size - offset;
    if (
      !(
        Number.isSafeInteger(offset) &&
        Number.isSafeInteger(length) &&
        offset >= 0 &&
        length >= 0 &&
        offset + length <= size
      )
    ) {
      throw new Error(
        `tensor '${t.name}': external data range ${offset}+${length} is outside '${location}' (${size} bytes)`,
      );
    }
    const out = new Uint8Array(length);
    for (let got = 0; got < length; ) {
      const r = readSync(fd, out, got, length - got, offset + got);
      if (r === 0) throw new Error(`tensor '${t.name}': '${location}' ended at ${offset + got} bytes while reading`);
      got += r;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function typedFieldBytes(t: TensorProto, n: number): Uint8Array {
  const size = DATA_TYPE_BYTES[t.dataType];
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  const need = (len: number | undefined, field: string) => {
    if ((len ?? 0) !== n) throw new Error(`tensor '${t.name}': ${field} has ${len ?? 0} values for ${n} elements`);
  };
  switch (t.dataType) {
    case DataType.FLOAT:
      need(t.floatData?.length, 'float_data');
      t.floatData!.forEach((v, i) => dv.setFloat32(i * 4, v, true));
      break;
    case DataType.DOUBLE:
      need(t.doubleData?.length, 'double_data');
      t.doubleData!.forEach((v, i) => dv.setFloat64(i * 8, v, true));
      break;
    case DataType.INT64:
      need(t.int64Data?.length, 'int64_data');
      t.int64Data!.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
      break;
    case DataType.UINT64:
    case DataType.UINT32:
      if (t.dataType === DataType.UINT64) {
        need(t.uint64Data?.length, 'uint64_data');
        t.uint64Data!.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
      } else {
        need(t.uint64Data?.length, 'uint64_data');
        t.uint64Data!.forEach((v, i) => dv.setUint32(i * 4, Number(v), true));
      }
      break;
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.UINT8:
    case DataType.BOOL:
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      // these types are stored one element per int32_data entry (16-bit floats as their bit patterns)
      need(t.int32Data?.length, 'int32_data');
      const d = t.int32Data!;
      for (let i = 0; i < n; i++) {
        if (size === 4) dv.setInt32(i * 4, d[i], true);
        else if (size === 2) dv.setUint16(i * 2, d[i] & 0xffff, true);
        else dv.setUint8(i, d[i] & 0xff);
      }
      break;
    }
    default:
      throw new Error(`tensor '${t.name}': cannot read data type ${t.dataType} from typed fields`);
  }
  return out;
}

/** A float tensor's values as Float32Array (FLOAT only; other types are an error). */
export function tensorToFloat32(t: TensorProto, modelPath?: string): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor '${t.name}': expected FLOAT, got data type ${t.dataType}`);
  const b = tensorBytes(t, modelPath);
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** An INT64 tensor's values as numbers. */
export function tensorToInt64(t: TensorProto, modelPath?: string): number[] {
  if (t.dataType !== DataType.INT64) throw new Error(`tensor '${t.name}': expected INT64, got data type ${t.dataType}`);
  const b = tensorBytes(t, modelPath);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
}

export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  if (values.length !== elementCount(dims))
    throw new Error(`tensor '${name}': ${values.length} values for dims [${dims.join(', ')}]`);
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: raw };
}
