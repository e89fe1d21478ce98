// A feature extractor: a preprocessing contract plus a batch-run function, whatever engine runs it
// (onnxruntime-node here; the worker-thread engine can supply the same function).
import type { PreprocessContract } from './preprocess.ts';

/** Runs the network on one NCHW float32 batch and returns its features, row-major [N, dim]. */
export type BatchRunFn = (input: Float32Array, shape: number[]) => Promise<Float32Array>;

export interface FeatureExtractor {
  /** a name for messages and manifests, e.g. 'fmnist' or the model's path */
  name: string;
  contract: PreprocessContract;
  /** feature dimension (known after the first batch when 0) */
  dim: number;
  run: BatchRunFn;
  close?(): Promise<void>;
}
