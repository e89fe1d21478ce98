// What every generator family (flow matching, EDM diffusion, autoregressive) provides to the rest of Neon:
// its training loss on a batch (run on the tfjs engine, for pretraining and self-training) and its sampler
// (run on onnxruntime). Families are plain modules in shared/families/<family>.ts implementing this.
import type { SamplerSettings } from '../samplers/sampler-settings.ts';
import type * as tfc from '@tensorflow/tfjs-core';
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { Manifest } from '../models/manifest.ts';
import type { Rng } from '../random/prng.ts';

export interface TrainingBatch {
  /** n images, uint8, n × C × H × W (channels first). */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

export interface SampleRequest extends SamplerSettings {
  n: number;
  /** Sample i uses the generator of seed + first + i: the same whatever the batch. */
  seed: number;
  first?: number;
  /** One label per sample (or one for all); the null class or undefined for unconditional. */
  classLabels?: number[];
}

export interface SampleResult {
  /** n × C × H × W uint8 pixels. */
  images: Uint8Array;
  labels: Int32Array;
}

export interface GeneratorFamily {
  readonly family: Manifest['family'];
  /** The family's own training loss on a batch (label dropout applied with `rng`). */
  loss(tf: TF, graph: TfGraph, manifest: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar;
  /** Samples with the family's sampler; settings default to the manifest's sampler defaults. */
  sample(session: OrtModel, manifest: Manifest, req: SampleRequest): Promise<SampleResult>;
  /** Network evaluations per sample for a request (for throughput accounting). */
  evaluationsPerSample(manifest: Manifest, req: SampleRequest): number;
}
