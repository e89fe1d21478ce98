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
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  checkSize(data.length, dims);
  return { type: 'int64', data, dims };
}

function checkSize(n: number, dims: number[]): void {
  const want = dims.reduce((a, b) => a * b, 1);
  if (n !== want) throw new Error(`tensor of ${n} elements does not fit dims [${dims.join(', ')}]`);
}

export type Feeds = Record<string, HostTensor>;
