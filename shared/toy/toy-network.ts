// A toy model's two engines side by side: the tfjs interpreter for training (weights as variables) and
// onnxruntime sessions for sampling with any given weights (θr, θs, or a Neon merge).
import type * as tfc from '@tensorflow/tfjs-core';
import { encodeModel, type ModelProto } from '../onnx/onnx-proto.ts';
import { floatTensor } from '../onnx/tensor-data.ts';
import type { OrtEngine, OrtModel } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { TfGraph } from '../engine/tf/tf-graph.ts';
import { Adam, type AdamConfig, type AdamState } from '../engine/tf/adam.ts';
import { trainSteps } from '../train/train-steps.ts';
import type { Rng } from '../random/prng.ts';
import type { Weights } from '../neon/neon-merge.ts';

/** What a toy family provides: its graph, its training loss and its sampler with a knob (ζ or τ). */
export interface ToyFamily {
  readonly name: string;
  readonly model: ModelProto;
  loss(tf: TF, net: ToyNetwork, batch: Float32Array, rng: Rng): tfc.Scalar;
  /** n samples with the knob's sampler; `antithetic`: samples in mirrored pairs (see ddimSample). */
  sample(
    net: ToyNetwork,
    weights: Weights,
    n: number,
    knob: number,
    seed: number,
    opts?: { antithetic?: boolean },
  ): Promise<Float32Array>;
}

export interface FitOptions extends AdamConfig {
  steps: number;
  batch: number;
  rng: Rng;
  /** Each row appears this many times per batch, with its own noise draws (default 1). */
  repeats?: number;
  /** Learning-rate schedule over the steps: constant, or cosine decay to zero. */
  schedule?: 'constant' | 'cosine';
  /** Optimizer state to start from (fine-tuning continues the pretraining optimizer's second moments). */
  initialState?: Partial<AdamState>;
  onStep?: (step: number, loss: number) => void;
}

export class ToyNetwork {
  readonly graph: TfGraph;
  constructor(
    readonly tf: TF,
    readonly ort: OrtEngine,
    readonly model: ModelProto,
  ) {
    this.graph = new TfGraph(tf, model);
  }

  weights(): Weights {
    return this.graph.readWeights();
  }

  setWeights(w: Weights): void {
    this.graph.writeWeights(w);
  }

  /** An ORT session of the graph with the given weights (the caller releases it). */
  async session(weights: Weights): Promise<OrtModel> {
    const g = this.model.graph;
    const initializer = g.initializer.map((t) => {
      const w = weights.get(t.name);
      return w ? floatTensor(t.name, t.dims, w) : t;
    });
    return this.ort.load(encodeModel({ ...this.model, graph: { ...g, initializer } }));
  }

  /** Adam on `loss` over minibatches of `data` (rows of `rowWidth` floats), by the project's one training loop; returns the optimizer. */
  fit(family: ToyFamily, data: Float32Array, rowWidth: number, o: FitOptions): Adam {
    const { tf } = this;
    const opt = new Adam(tf, o);
    if (o.initialState) opt.loadState(this.graph.params, o.initialState);
    const n = data.length / rowWidth;
    const batch = Math.min(o.batch, n);
    const repeats = o.repeats ?? 1;
    const rows = new Float32Array(batch * repeats * rowWidth);
    const nextBatch = () => {
      for (let i = 0; i < batch; i++) {
        const r = batch === n ? i : o.rng.int(n);
        const row = data.subarray(r * rowWidth, (r + 1) * rowWidth);
        for (let k = 0; k < repeats; k++) rows.set(row, (k * batch + i) * rowWidth);
      }
      return { rows, n: batch * repeats };
    };
    const steps = trainSteps(tf, this.graph, {
      steps: o.steps,
      optimizer: opt,
      lrAt: o.schedule === 'cosine' ? (step) => 0.5 * o.lr * (1 + Math.cos((Math.PI * step) / o.steps)) : undefined,
      nextBatch,
      loss: (b) => family.loss(tf, this, b.rows, o.rng),
    });
    for (const s of steps) if (o.onStep && (s.step % 100 === 0 || s.step === o.steps)) o.onStep(s.step, s.loss);
    return opt;
  }

  /** The loss gradient at the current weights over all of `data` (in chunks), averaged. */
  gradient(family: ToyFamily, data: Float32Array, rowWidth: number, rng: Rng, chunk = 5000): Weights {
    const { tf } = this;
    const n = data.length / rowWidth;
    const sum: Weights = new Map();
    for (let start = 0; start < n; start += chunk) {
      const rows = data.subarray(start * rowWidth, Math.min(n, start + chunk) * rowWidth);
      const frac = rows.length / rowWidth / n;
      const { value, grads } = this.graph.valueAndGrads(() => family.loss(tf, this, rows, rng));
      value.dispose();
      for (const [k, g] of Object.entries(grads)) {
        const gv = g.dataSync() as Float32Array;
        const acc = sum.get(k) ?? new Float32Array(gv.length);
        for (let i = 0; i < gv.length; i++) acc[i] += frac * gv[i];
        sum.set(k, acc);
      }
      tf.dispose(grads);
    }
    return sum;
  }

  /**
   * The preconditioner's second moment at the current weights, as the official toy estimates it: Adam's update
   * v ← β2·v + (1 − β2)·g² over the minibatch gradients of `data` (in order, `batch` rows each), bias-corrected
   * v̂ = v/(1 − β2ᵏ) after k minibatches.
   */
  secondMoment(
    family: ToyFamily,
    data: Float32Array,
    rowWidth: number,
    rng: Rng,
    batch = 2048,
    beta2 = 0.999,
  ): Weights {
    const { tf } = this;
    const n = data.length / rowWidth;
    const v: Weights = new Map();
    let k = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = data.subarray(start * rowWidth, Math.min(n, start + batch) * rowWidth);
      const { value, grads } = this.graph.valueAndGrads(() => family.loss(tf, this, rows, rng));
      value.dispose();
      for (const [name, g] of Object.entries(grads)) {
        const gv = g.dataSync() as Float32Array;
        const acc = v.get(name) ?? new Float32Array(gv.length);
        for (let i = 0; i < gv.length; i++) acc[i] = beta2 * acc[i] + (1 - beta2) * gv[i] * gv[i];
        v.set(name, acc);
      }
      tf.dispose(grads);
      k++;
    }
    const correction = 1 - beta2 ** k;
    for (const acc of v.values()) for (let i = 0; i < acc.length; i++) acc[i] /= correction;
    return v;
  }

  dispose(): void {
    this.graph.dispose();
  }
}
