// UnsortedSegmentSum for backends that lack it (tfjs-wasm): the scatter-add behind the gradient of Gather,
// so that an embedding table gathered by index (a float initializer) gets its gradient row by row.
import type * as tfc from '@tensorflow/tfjs-core';

type TF = typeof tfc;

interface WasmBackendLike {
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
}

/** out[s, j] = Σ_{i : ids[i] = s} x[i, j] for x viewed as [ids.length, inner]; ids outside [0, segments) are dropped. */
export function segmentSum(x: Float32Array, ids: ArrayLike<number>, segments: number, out: Float32Array): void {
  const inner = ids.length === 0 ? 0 : x.length / ids.length;
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= segments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

/** Registers UnsortedSegmentSum on the active backend when it has none. */
export function installSegmentSum(tf: TF): void {
  const backendName = tf.getBackend();
  if (tf.getKernel('UnsortedSegmentSum', backendName)) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackendLike;
      const { x, segmentIds } = inputs as { x: tfc.TensorInfo; segmentIds: tfc.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      if (x.dtype !== 'float32') throw new Error('UnsortedSegmentSum: float32 only');
      const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = be.makeOutput(shape, 'float32');
      // read after the allocation: a growing heap would detach earlier views
      const ids = be.typedArrayFromHeap(segmentIds);
      segmentSum(
        be.typedArrayFromHeap(x) as Float32Array,
        ids,
        numSegments,
        be.typedArrayFromHeap(out) as Float32Array,
      );
      return out;
    },
  });
}
