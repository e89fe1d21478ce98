// The plain tensor both engines exchange: a typed array, its dims, and its element type.

export type DType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float64';

export interface HostTensor {
  type: DType;
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;
  dims: number[];
}

export function f32(data: Float32Array, dims: number[]): HostTensor {
  checkSize(data.length, dims);
  return { type: 'float32', data, dims };
}

export function i64(values: ArrayLike<number> | BigInt64Array, dims: number[]): HostTensor {
  let data: BigInt64Array;
  if (values instanceof BigInt64Array) data = values;
  else {
    data = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  }
  checkSize(data.length, dims);
  return { type: 'int64', data, dims };
}

function checkSize(n: number, dims: number[]): void {
  const want = dims.reduce((a, b) => a * b, 1);
  if (n !== want) throw new Error(`tensor of ${n} elements does not fit dims [${dims.join(', ')}]`);
}

export type Feeds = Record<string, HostTensor>;

/** The distinct whole buffers of some tensors (a view into a larger buffer is copied, not moved). */
export function wholeBuffers(tensors: Iterable<HostTensor>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const b = t.data.buffer;
    if (b instanceof ArrayBuffer && t.data.byteOffset === 0 && b.byteLength === t.data.byteLength) seen.add(b);
  }
  return [...seen];
}
