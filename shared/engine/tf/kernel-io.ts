// Reading a kernel's float inputs and writing its output on whichever tfjs backend runs it: in place in the
// wasm heap on the wasm backend, through the backend's synchronous read and tensor-info maker elsewhere.
import type * as tfc from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
}

interface GenericBackendLike {
  readSync(dataId: tfc.DataId): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tfc.DataType, values?: Float32Array): tfc.TensorInfo;
}

function isWasm(backend: unknown): backend is WasmBackendLike {
  return typeof (backend as WasmBackendLike).typedArrayFromHeap === 'function';
}

/** The float32 contents of a kernel input: a view of the wasm heap (valid until the next allocation) or a copy. */
export function readFloats(backend: unknown, t: tfc.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native kernel: float32 inputs only, got ${t.dtype}`);
  if (isWasm(backend)) return backend.typedArrayFromHeap(t);
  const v = (backend as GenericBackendLike).readSync(t.dataId);
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/** A kernel output holding a copy of `data`. */
export function writeOutput(backend: unknown, shape: number[], data: Float32Array): tfc.TensorInfo {
  if (isWasm(backend)) {
    const out = backend.makeOutput(shape, 'float32');
    backend.typedArrayFromHeap(out).set(data);
    return out;
  }
  return (backend as GenericBackendLike).makeTensorInfo(shape, 'float32', Float32Array.from(data));
}
