// The population gradient of a family's training loss at fixed weights θ, ∇θ E_x[ℓ(θ; x)], estimated as the mean
// of minibatch gradients over uniform draws from a data set (real images or a model's own samples), together with
// the mean of their squares. The alignment diagnostic (shared/train/alignment.ts) needs both: the means enter the
// paper's preconditioned cosine, and the mean square E[g_B²] at the pretraining batch size B is what Adam's
// second moment v tracks at the end of pretraining (an exponential average of g_B² over its last ~1/(1−β2) steps
// at weights close to θr), so it stands in for v̂ when the pretraining optimizer's state was not kept.
import type { TF } from '../engine/tf/tf-backend.ts';
import type { TfGraph } from '../engine/tf/tf-graph.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { Manifest } from '../models/manifest.ts';
import type { LabeledImages } from '../data/labeled-images.ts';
import type { Weights } from '../neon/neon-merge.ts';
import { Rng } from '../random/prng.ts';
import { UniformDraws } from './image-dataset.ts';

export interface PopulationGradientOptions {
  /** Minibatches averaged. */
  batches: number;
  /** Examples per minibatch (the pretraining batch size for a faithful second moment). */
  batch: number;
  /** Seeds the draws of examples and the loss's own noise (t, ε, label dropout). */
  seed: number;
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

export interface PopulationGradient {
  /** (1/K) Σ_k g_k: the estimate of the population gradient. */
  mean: Weights;
  /** (1/K) Σ_k g_k²: elementwise, the second moment of a minibatch gradient. */
  meanSquare: Weights;
  /** The means of the first and the second half of the minibatches (their agreement measures the estimate's noise). */
  halves: [Weights, Weights];
  batches: number;
  examples: number;
}

export function populationGradient(
  tf: TF,
  graph: TfGraph,
  family: GeneratorFamily,
  manifest: Manifest,
  data: LabeledImages,
  o: PopulationGradientOptions,
): PopulationGradient {
  if (!(Number.isInteger(o.batches) && o.batches >= 2))
    throw new Error(`population gradient: batches must be an integer ≥ 2 (got ${o.batches})`);
  if (!(Number.isInteger(o.batch) && o.batch >= 1))
    throw new Error(`population gradient: batch must be a positive integer (got ${o.batch})`);
  if (data.n < 1) throw new Error('population gradient: the data set is empty');
  const rng = new Rng(o.seed >>> 0);
  const draws = new UniformDraws(data, new Rng((o.seed ^ 0x2545f491) >>> 0));
  const names = [...graph.params.keys()];
  const zeros = () => new Map(names.map((n) => [n, new Float64Array(graph.params.get(n)!.size)]));
  const sum = zeros();
  const sumSq = zeros();
  const half = [zeros(), zeros()];
  const split = Math.floor(o.batches / 2);
  for (let k = 0; k < o.batches; k++) {
    o.signal?.throwIfAborted();
    const b = draws.next(o.batch);
    const { value, grads } = graph.valueAndGrads(() => family.loss(tf, graph, manifest, b, rng));
    value.dispose();
    const h = half[k < split ? 0 : 1];
    for (const n of names) {
      const g = grads[n];
      // a parameter the loss does not reach has gradient 0
      if (!g) continue;
      const x = g.dataSync();
      const s = sum.get(n)!;
      const q = sumSq.get(n)!;
      const hs = h.get(n)!;
      for (let i = 0; i < x.length; i++) {
        s[i] += x[i];
        q[i] += x[i] * x[i];
        hs[i] += x[i];
      }
    }
    tf.dispose(grads);
    o.onBatch?.(k + 1, o.batches);
  }
  const scaled = (m: Map<string, Float64Array>, by: number): Weights =>
    new Map([...m].map(([n, a]) => [n, Float32Array.from(a, (v) => v / by)]));
  return {
    mean: scaled(sum, o.batches),
    meanSquare: scaled(sumSq, o.batches),
    halves: [scaled(half[0], split), scaled(half[1], o.batches - split)],
    batches: o.batches,
    examples: o.batches * o.batch,
  };
}
