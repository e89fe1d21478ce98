// tfjs clones every tensor it saves for the backward pass (an Identity kernel), and casts float gradients to
// float (a Cast kernel to the same type). tfjs-wasm copies the whole buffer for both; tensors are immutable, so
// here both share their input's buffer instead, as Reshape already does (a reference count keeps it alive).
import type * as tfc from '@tensorflow/tfjs-core';

type TF = typeof tfc;

interface RefCounting {
  incRef(dataId: tfc.DataId): void;
}

function share(backend: unknown, x: tfc.TensorInfo): tfc.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replaces the wasm backend's Identity kernel and the same-type case of its Cast kernel with buffer sharing. */
export function installSharedBuffers(tf: TF): void {
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) throw new Error('the wasm backend is not registered');
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tfc.TensorInfo };
      return x.dtype === 'string' ? identity.kernelFunc(args) : share(args.backend, x);
    },
  });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tfc.TensorInfo };
      const { dtype } = args.attrs as { dtype: tfc.DataType };
      return x.dtype === dtype && dtype !== 'string' ? share(args.backend, x) : cast.kernelFunc(args);
    },
  });
}
