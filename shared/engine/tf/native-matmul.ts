// A native matrix-multiply kernel for tfjs's wasm backend: BatchMatMul delegated to onnxruntime's MLAS GEMM
// through a synchronous native call. tfjs-wasm's own kernel is single-threaded SIMD128 and about 10x slower
// when an operand is transposed, which is what most backward passes ask for (dA = dY·Bᵀ, dB = Aᵀ·dY).
// Here every variant (plain or transposed) runs at MLAS speed on all cores; tfjs keeps the autodiff.
import { availableParallelism } from 'node:os';
import type * as tfc from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { loadSyncSession, ort, runSync, type SyncSession } from './native-session.ts';

type TF = typeof tfc;
type Variant = SyncSession;

/** One small ORT session per (batched?, transposeA, transposeB): Y = op(A)·op(B). */
class MatMulSessions {
  private readonly variants = new Map<string, Variant>();
  constructor(private readonly threads: number) {}

  get(batched: boolean, ta: boolean, tb: boolean): Variant {
    const key = `${batched}${ta}${tb}`;
    let v = this.variants.get(key);
    if (!v) {
      const g = new GraphBuilder('matmul');
      let y: string;
      if (!batched) {
        const a = g.input('a', ['r', 'c']);
        const b = g.input('b', ['s', 't']);
        y = g.op('Gemm', [a, b], { transA: ta ? 1 : 0, transB: tb ? 1 : 0 });
        g.output(y, ['m', 'n']);
      } else {
        let a = g.input('a', ['ba', 'r', 'c']);
        let b = g.input('b', ['bb', 's', 't']);
        if (ta) a = g.op('Transpose', [a], { perm: [0, 2, 1] });
        if (tb) b = g.op('Transpose', [b], { perm: [0, 2, 1] });
        y = g.op('MatMul', [a, b]);
        g.output(y, ['bo', 'm', 'n']);
      }
      v = loadSyncSession(g.build(), this.threads);
      this.variants.set(key, v);
    }
    return v;
  }
}

interface WasmBackendLike {
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Replaces the wasm backend's BatchMatMul kernel with the native one. Call after the wasm backend is ready.
 * `threads` defaults to every core.
 */
export function installNativeMatMul(tf: TF, threads = availableParallelism()): void {
  const sessions = new MatMulSessions(threads);
  const kernel: tfc.KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackendLike;
      const { a, b } = inputs as { a: tfc.TensorInfo; b: tfc.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul: only float32 is supported');
      const ra = a.shape.length;
      const rb = b.shape.length;
      const [ar, ac] = [a.shape[ra - 2], a.shape[ra - 1]];
      const [br, bc] = [b.shape[rb - 2], b.shape[rb - 1]];
      const m = transposeA ? ac : ar;
      const ka = transposeA ? ar : ac;
      const kb = transposeB ? bc : br;
      const n = transposeB ? br : bc;
      if (ka !== kb)
        throw new Error(`matMul: inner dimensions ${ka} and ${kb} differ (shapes [${a.shape}] and [${b.shape}])`);
      const batchA = prod(a.shape.slice(0, -2));
      const batchB = prod(b.shape.slice(0, -2));
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (batchA !== batchB && batchA !== 1 && batchB !== 1)
        throw new Error('matMul: batch dimensions must match or be 1');
      const batched = batchA > 1 || batchB > 1;
      const variant = sessions.get(batched, transposeA, transposeB);
      const aData = be.typedArrayFromHeap(a);
      const bData = be.typedArrayFromHeap(b);
      const aT = new ort.Tensor('float32', aData, batched ? [batchA, ar, ac] : [ar, ac]);
      const bT = new ort.Tensor('float32', bData, batched ? [batchB, br, bc] : [br, bc]);
      const result = runSync(variant, { a: aT, b: bT });
      const out = be.makeOutput([...outer, m, n], 'float32');
      be.typedArrayFromHeap(out).set(result.data as Float32Array);
      return out;
    },
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(kernel);
}
