// Which feature path a model's runs use, and getting the 2-d toy base model into the registry (pretrained here on its
// known target). Families resolve through shared/families/registry.ts, shipped models register through
// shared/serving/register-shipped.ts.
import type { Db } from '../../shared/db/database.ts';
import type { TF } from '../../shared/engine/tf/tf-backend.ts';
import { TfGraph } from '../../shared/engine/tf/tf-graph.ts';
import { parseManifest, type Manifest } from '../../shared/models/manifest.ts';
import { encodeModel } from '../../shared/onnx/onnx-proto.ts';
import { registerModelVersion, resolveModel, type ResolvedModel } from '../../shared/registry/registry.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { trainLoop } from '../../shared/train/train-loop.ts';
import { sampleTarget } from '../../shared/toy/gaussian-target.ts';
import { quantize, ddpmFamily, toyDiffusionModel } from '../../shared/families/ddpm.ts';
import { datasetStatsPath, resolveExtractor } from '../../shared/features/registry.ts';
import { loadStats } from '../../shared/metrics/stats-file.ts';
import { extractorScorer, toyPointScorer, type FidScorer } from './scorer.ts';

export const TOY_MODEL = 'toy-ddpm';

function isToy(manifest: Manifest): boolean {
  return manifest.family === 'ddpm' && manifest.data.shape.length === 1 && manifest.data.shape[0] === 2;
}

const scorers = new Map<string, Promise<FidScorer>>();

/** The feature path of a model's trials: the toy's points, or the FMNIST extractor against the training set. */
export function scorerFor(manifest: Manifest): Promise<FidScorer> {
  if (isToy(manifest)) return Promise.resolve(toyPointScorer);
  const key = 'fmnist';
  let s = scorers.get(key);
  if (!s) {
    s = (async () => {
      const { path } = datasetStatsPath('fmnist:train');
      const ref = await loadStats(path);
      return extractorScorer('fid-fmnist', await resolveExtractor('fmnist'), ref);
    })();
    s.catch(() => scorers.delete(key));
    scorers.set(key, s);
  }
  return s;
}

export interface ToyBaseOptions {
  /** Adam steps on the real points (default 3000). */
  pretrainSteps?: number;
  nReal?: number;
  batch?: number;
  lr?: number;
  seed?: number;
}

/** Pretrains the 2-d toy on points of its target and registers it as `toy-ddpm@base` (once). */
export async function ensureToyModel(
  db: Db,
  store: ArtifactStore,
  tf: TF,
  o: ToyBaseOptions = {},
): Promise<ResolvedModel> {
  const existing = await resolveModel(db, TOY_MODEL);
  if (existing) return existing;
  const steps = o.pretrainSteps ?? 3000;
  const nReal = o.nReal ?? 1000;
  const batch = o.batch ?? 500;
  const lr = o.lr ?? 1e-3;
  const seed = o.seed ?? 0;
  const { model, manifest: input } = toyDiffusionModel(seed + 1);
  const manifest = parseManifest({
    ...input,
    training: { steps, batch: Math.min(batch, nReal), lr, seed, dataset: `N(0, [[2,1],[1,2]]) × ${nReal}` },
  });
  const graph = new TfGraph(tf, model);
  try {
    const images = quantize(sampleTarget(nReal, seed + 2));
    const data = {
      images,
      labels: new Int32Array(nReal),
      n: nReal,
      shape: manifest.data.shape,
      id: manifest.training!.dataset!,
    };
    await trainLoop(tf, graph, ddpmFamily, manifest, data, { steps, lr, batch, seed: seed + 3, batches: 'draws' });
    const m = await store.put(encodeModel(graph.toModel()), 'onnx', { model: TOY_MODEL, pretrain: manifest.training });
    await registerModelVersion(db, { model: TOY_MODEL, tag: 'base', artifact: m, manifest });
  } finally {
    graph.dispose();
  }
  return (await resolveModel(db, TOY_MODEL))!;
}
