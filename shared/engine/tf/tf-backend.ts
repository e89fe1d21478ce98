// Loads TensorFlow.js on the backend named by NEON_TF_BACKEND: 'wasm' (default here), 'tensorflow'
// (tfjs-node-gpu or tfjs-node, where they can be installed), or 'cpu' (pure JS fallback).
import type * as tfc from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

export type TF = typeof tfc;
export type TfBackendName = 'wasm' | 'tensorflow' | 'cpu';

export interface TfOptions {
  backend?: TfBackendName;
  /** On wasm, run matrix products natively through onnxruntime (default true; false for comparisons). */
  nativeMatMul?: boolean;
}

let loaded: { tf: TF; backend: TfBackendName; nativeMatMul: boolean } | undefined;

export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): TfBackendName {
  const b = env.NEON_TF_BACKEND ?? 'wasm';
  if (b !== 'wasm' && b !== 'tensorflow' && b !== 'cpu')
    throw new Error(`NEON_TF_BACKEND must be wasm, tensorflow or cpu; got '${b}'`);
  return b;
}

/** The tfjs namespace, initialised once per thread. */
export async function loadTf(opts: TfOptions = {}): Promise<TF> {
  const backend = opts.backend ?? backendFromEnv();
  const nativeMatMul = opts.nativeMatMul ?? process.env.NEON_TF_NATIVE_MATMUL !== '0';
  if (loaded) {
    if (loaded.backend !== backend || loaded.nativeMatMul !== nativeMatMul) {
      throw new Error(
        `tfjs is already loaded with backend '${loaded.backend}' (native matMul ${loaded.nativeMatMul}) in this thread`,
      );
    }
    return loaded.tf;
  }
  let tf: TF;
  if (backend === 'tensorflow') {
    const require = createRequire(import.meta.url);
    let mod: TF | undefined;
    for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        mod = require(name) as TF;
        break;
      } catch {
        // try the next one
      }
    }
    if (!mod)
      throw new Error('NEON_TF_BACKEND=tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed');
    tf = mod;
    await tf.setBackend('tensorflow');
  } else {
    // the union package registers every gradient on the shared tfjs-core instance
    tf = (await import('@tensorflow/tfjs')) as unknown as TF;
    if (backend === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      await tf.setBackend('wasm');
      await tf.ready();
      const { installSharedBuffers } = await import('./wasm-shared-buffers.ts');
      installSharedBuffers(tf);
      if (nativeMatMul) {
        const { installNativeMatMul } = await import('./native-matmul.ts');
        installNativeMatMul(tf);
      }
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
      await tf.setBackend('cpu');
    }
  }
  await tf.ready();
  loaded = { tf, backend, nativeMatMul };
  return tf;
}
