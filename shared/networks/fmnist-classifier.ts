// The project's Fashion-MNIST classifier, the default FID extractor ("FID-FMNIST"). No Conv operator (the tfjs
// engine cannot train one), so its convolutions are written as patch gathers and matrix products:
//   x [N,1,28,28] → 5×5 patches at every valid position, gathered from the flat image with constant indices (im2col)
//   → ·W1 + b1, ReLU → [N,24,24,C1] → 2×2 average pool → [N,12,12,C1]
//   → non-overlapping 2×2 patches (Reshape/Transpose) → ·W2 + b2, ReLU → [N,6,6,C2]
//   → LayerNorm over the flattened map → ·W3 + b3, ReLU → features [N,F] (penultimate layer, used for FID)
//   → ·W4 + b4 → logits [N,10].
// The training graph takes a dropout mask for the features as an extra input; the shipped graph has none.
import { GraphBuilder, float } from '../onnx/graph-builder.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import type { PreprocessContract } from '../features/preprocess.ts';
import { Rng } from '../random/prng.ts';

/** Input contract: 28×28 gray, pixel 0 → −1 and 255 → 1. */
export const FMNIST_CLASSIFIER_CONTRACT: PreprocessContract = {
  height: 28,
  width: 28,
  channels: 1,
  range: [-1, 1],
  resize: 'bilinear',
};

export interface FmnistClassifierSpec {
  /** channels of the 5×5 patch layer */
  c1: number;
  /** channels of the 2×2 patch layer */
  c2: number;
  /** feature width (the penultimate layer) */
  features: number;
}

export const FMNIST_CLASSIFIER_SPEC: FmnistClassifierSpec = { c1: 32, c2: 64, features: 128 };

export const FMNIST_INPUT = 'x';
export const FMNIST_FEATURES = 'features';
export const FMNIST_LOGITS = 'logits';
/** Training graph only: a [N, features] mask (0 or 1/(1−p)) multiplied onto the features before the head. */
export const FMNIST_DROPOUT_MASK = 'dropout_mask';

const K = 5; // first patch size
const S1 = 28 - K + 1; // 24 positions per axis

/** im2col indices: for each of the 24×24 positions, the 25 flat pixel indices of its 5×5 patch. */
export function patchIndices(): number[] {
  const idx: number[] = [];
  for (let y = 0; y < S1; y++)
    for (let x = 0; x < S1; x++)
      for (let dy = 0; dy < K; dy++) for (let dx = 0; dx < K; dx++) idx.push((y + dy) * 28 + x + dx);
  return idx;
}

/** He-uniform initial weights for a ReLU layer of fan-in `fanIn` (zero biases). */
function heUniform(rng: Rng, fanIn: number, n: number): Float32Array {
  const bound = Math.sqrt(6 / fanIn);
  return Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
}

export interface BuildOptions {
  spec?: FmnistClassifierSpec;
  /** seed of the initial weights */
  seed?: number;
  /** trained weights by parameter name (replace the initial ones) */
  weights?: Map<string, Float32Array>;
  /** add the dropout-mask input (training graph) */
  train?: boolean;
}

export function buildFmnistClassifier(opts: BuildOptions = {}): ModelProto {
  const spec = opts.spec ?? FMNIST_CLASSIFIER_SPEC;
  const rng = new Rng(opts.seed ?? 0);
  const g = new GraphBuilder('fmnist-classifier');
  const param = (name: string, dims: number[], init: () => Float32Array) => {
    const given = opts.weights?.get(name);
    const n = dims.reduce((a, b) => a * b, 1);
    if (given && given.length !== n)
      throw new Error(`weight '${name}': ${given.length} values for dims [${dims.join(', ')}]`);
    const initial = init(); // drawn even when replaced, so the stream (and every later parameter) stays the same
    return g.param(name, dims, given ?? initial);
  };
  const { c1, c2, features: F } = spec;
  const x = g.input(FMNIST_INPUT, ['N', 1, 28, 28]);

  // 5×5 patch layer as im2col: Gather(flat image, [576, 25] indices) · W1
  const flat = g.op('Reshape', [x, g.constInt64([-1, 784])]);
  const patches = g.op('Gather', [flat, g.constInt64(patchIndices(), [S1 * S1, K * K], 'patch_idx')], { axis: 1 }); // [N,576,25]
  const w1 = param('patch1.weight', [K * K, c1], () => heUniform(rng, K * K, K * K * c1));
  const b1 = param('patch1.bias', [c1], () => new Float32Array(c1));
  let h = g.op('Relu', [g.op('Add', [g.op('MatMul', [patches, w1]), b1])]); // [N,576,c1]

  // 2×2 average pool: [N,12,2,12,2,c1] → mean over the window axes
  h = g.op('Reshape', [h, g.constInt64([-1, 12, 2, 12, 2, c1])]);
  h = g.op('ReduceMean', [h], { axes: [2, 4], keepdims: 0 }); // [N,12,12,c1]

  // 2×2 patch layer: non-overlapping windows → [N,36,4·c1] · W2
  h = g.op('Reshape', [h, g.constInt64([-1, 6, 2, 6, 2, c1])]);
  h = g.op('Transpose', [h], { perm: [0, 1, 3, 2, 4, 5] });
  h = g.op('Reshape', [h, g.constInt64([-1, 36, 4 * c1])]);
  const w2 = param('patch2.weight', [4 * c1, c2], () => heUniform(rng, 4 * c1, 4 * c1 * c2));
  const b2 = param('patch2.bias', [c2], () => new Float32Array(c2));
  h = g.op('Relu', [g.op('Add', [g.op('MatMul', [h, w2]), b2])]); // [N,36,c2]

  // LayerNorm over the flattened map, then the feature layer
  const D = 36 * c2;
  h = g.op('Reshape', [h, g.constInt64([-1, D])]);
  const lnG = param('norm.weight', [D], () => new Float32Array(D).fill(1));
  const lnB = param('norm.bias', [D], () => new Float32Array(D));
  h = g.op('LayerNormalization', [h, lnG, lnB], { axis: -1, epsilon: float(1e-5) });
  const w3 = param('feat.weight', [F, D], () => heUniform(rng, D, F * D));
  const b3 = param('feat.bias', [F], () => new Float32Array(F));
  const feats = g.op('Relu', [g.op('Gemm', [h, w3, b3], { transB: 1 })], {}, FMNIST_FEATURES);

  let head = feats;
  if (opts.train) head = g.op('Mul', [feats, g.input(FMNIST_DROPOUT_MASK, ['N', F])]);
  const w4 = param('head.weight', [10, F], () =>
    Float32Array.from({ length: 10 * F }, () => (2 * rng.uniform() - 1) / Math.sqrt(F)),
  );
  const b4 = param('head.bias', [10], () => new Float32Array(10));
  const logits = g.op('Gemm', [head, w4, b4], { transB: 1 }, FMNIST_LOGITS);

  g.output(feats, ['N', F]);
  g.output(logits, ['N', 10]);
  const model = g.build({ docString: 'Fashion-MNIST classifier (penultimate features for FID-FMNIST)' });
  return renameValues(model, { [feats]: FMNIST_FEATURES, [logits]: FMNIST_LOGITS });
}

/** Gives graph values fixed names (the builder numbers every value it makes). */
function renameValues(model: ModelProto, names: Record<string, string>): ModelProto {
  const r = (n: string) => names[n] ?? n;
  const graph = model.graph;
  return {
    ...model,
    graph: {
      ...graph,
      node: graph.node.map((n) => ({ ...n, input: n.input.map(r), output: n.output.map(r) })),
      output: graph.output.map((o) => ({ ...o, name: r(o.name) })),
    },
  };
}
