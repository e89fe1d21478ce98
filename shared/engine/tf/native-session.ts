// Small onnxruntime sessions run synchronously through onnxruntime-node's native binding: the kernels that
// tfjs delegates to onnxruntime (matrix products, convolutions) are built from them. onnxruntime-node's
// public API only runs sessions asynchronously; its binding (pinned with the package, 1.30.0) runs them inline.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { ModelProto } from '../../onnx/onnx-proto.ts';
import { encodeModel } from '../../onnx/onnx-proto.ts';

export interface NativeSession {
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  loadModel(buffer: ArrayBufferLike, offset: number, length: number, options: object): void;
  outputMetadata: { name: string }[];
}

interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

let binding: Binding | undefined;
function nativeBinding(): Binding {
  if (!binding) {
    const require = createRequire(import.meta.url);
    ort.env.logLevel = 'error';
    binding = require('onnxruntime-node/dist/binding') as Binding;
    binding.initOrt();
  }
  return binding;
}

/** A loaded session and the name of its (single) output. */
export interface SyncSession {
  session: NativeSession;
  output: string;
}

/** Loads a one-output model into a synchronous session on the CPU provider. */
export function loadSyncSession(
  model: ModelProto,
  threads = availableParallelism(),
  optimization: 'basic' | 'extended' | 'all' = 'all',
): SyncSession {
  const bytes = encodeModel(model);
  const session = new (nativeBinding().binding.InferenceSession)();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: optimization,
    executionProviders: ['cpu'],
    // several small sessions share the cores: threads that spin after a run would starve the next one
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  return { session, output: session.outputMetadata[0].name };
}

/** Runs a synchronous session on float32 inputs; returns its output tensor (onnxruntime's buffer). */
export function runSync(s: SyncSession, feeds: Record<string, ort.Tensor>): ort.Tensor {
  return s.session.run(feeds, { [s.output]: null }, {})[s.output];
}

export { ort };
