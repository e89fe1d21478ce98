// Self-training (the paper's θs): the training loop started from θr on a sample set drawn from θr, with the
// family's own loss. Every snapshot is written as a model version (model.onnx + model.json) whose lineage names
// the base (sha256 of its model.onnx), the step, the sample set and the compute spent as a fraction of the
// base's pretraining compute.
import { join } from 'node:path';
import type { TF } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { familyFor } from '../families/registry.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import {
  trainLoop,
  type Snapshot,
  type TrainConfig,
  type TrainHooks,
  type TrainProgress,
  type TrainResult,
} from './train-loop.ts';
import { saveModelVersion, withWeights } from '../models/with-weights.ts';
import type { ModelFiles } from '../models/model-files.ts';

export interface SelfTrainOptions {
  base: ModelFiles;
  /** The sample set (its `id` is recorded in the lineage). */
  samples: LabeledImages;
  config: TrainConfig;
  /** Folder for the snapshots: <out>/step-<k>/. */
  out: string;
  onProgress?: (p: TrainProgress) => void;
  onVersion?: (v: ModelFiles, step: number) => void;
}

export function snapshotManifest(
  base: ModelFiles,
  snap: Pick<Snapshot, 'step' | 'flops' | 'seconds' | 'examples'>,
  o: { sampleSet: string; config: TrainConfig },
): Manifest {
  const b = base.manifest;
  const pretrainFlops = b.training?.flops;
  return {
    ...b,
    name: `${b.name}-self-${snap.step}`,
    description: `${b.name} self-trained on sample set ${o.sampleSet} for ${snap.step} steps`,
    lineage: {
      base: base.hash,
      self_train: {
        step: snap.step,
        sample_set: o.sampleSet,
        compute_fraction: pretrainFlops ? snap.flops / pretrainFlops : undefined,
      },
      run: `self-train ${b.name} seed ${o.config.seed}`,
    },
    training: {
      steps: snap.step,
      batch: o.config.batch,
      lr: o.config.lr,
      seed: o.config.seed,
      flops: snap.flops,
      seconds: Math.round(snap.seconds * 10) / 10,
      dataset: o.sampleSet,
    },
    metrics: {},
  };
}

/**
 * The self-training step of Neon, for `neon run` and `npm run self-train` alike: the training loop on the sample
 * set with the family's own loss, minibatches drawn uniformly with replacement from the loss's stream.
 */
export function selfTrainGraph(
  tf: TF,
  graph: TfGraph,
  family: GeneratorFamily,
  manifest: Manifest,
  samples: LabeledImages,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  return trainLoop(tf, graph, family, manifest, samples, { ...config, batches: 'draws' }, hooks);
}

/** Runs self-training; returns the versions written (one per snapshot, the last step always included). */
export async function selfTrain(tf: TF, o: SelfTrainOptions): Promise<ModelFiles[]> {
  const graph = new TfGraph(tf, o.base.model);
  const versions: ModelFiles[] = [];
  const write = async (s: Snapshot) => {
    const v = await saveModelVersion(
      join(o.out, `step-${s.step}`),
      withWeights(o.base.model, s.weights),
      snapshotManifest(o.base, s, { sampleSet: o.samples.id, config: o.config }),
    );
    versions.push(v);
    o.onVersion?.(v, s.step);
  };
  try {
    const r = await selfTrainGraph(tf, graph, familyFor(o.base.manifest.family), o.base.manifest, o.samples, o.config, {
      onProgress: o.onProgress,
      onSnapshot: write,
    });
    if (!versions.some((v) => v.manifest.lineage.self_train?.step === r.steps)) await write({ ...r, step: r.steps });
    return versions;
  } finally {
    graph.dispose();
  }
}
