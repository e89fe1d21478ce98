// The shipped Fashion-MNIST classifier (models/fmnist/extractor.onnx) on the onnxruntime engine: predicted labels
// (and features) for uint8 28×28 gray images, e.g. to check that class-conditioned samples are recognised.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtEngine } from '../engine/ort/ort-engine.ts';
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import { f32 } from '../engine/tensor.ts';
import { REPO_ROOT } from '../features/registry.ts';
import { FMNIST_CLASSIFIER_CONTRACT, FMNIST_FEATURES, FMNIST_INPUT, FMNIST_LOGITS } from './fmnist-classifier.ts';

export const FMNIST_CLASSIFIER_PATH = join(REPO_ROOT, 'models', 'fmnist', 'extractor.onnx');
const PIXELS = 28 * 28;

/** uint8 pixels → the contract's range, exactly as shared/features/preprocess.ts maps them (lo + (hi − lo)·v/255). */
export function toClassifierInput(images: Uint8Array, n: number): Float32Array {
  const [lo, hi] = FMNIST_CLASSIFIER_CONTRACT.range;
  const out = new Float32Array(n * PIXELS);
  for (let i = 0; i < n * PIXELS; i++) out[i] = lo + (hi - lo) * Math.fround(images[i] / 255);
  return out;
}

/** Index of the largest logit in each row of a [n, k] matrix. */
export function argmaxRows(logits: Float32Array, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

export interface FmnistClassifier {
  /** Predicted labels (0–9) of n images given as n·28·28 bytes, row-major. */
  classify(images: Uint8Array, n?: number): Promise<Uint8Array>;
  /** Features [n, dim] and logits [n, 10] of n images. */
  run(images: Uint8Array, n?: number): Promise<{ features: Float32Array; logits: Float32Array; dim: number }>;
  close(): Promise<void>;
}

export interface LoadClassifierOptions {
  /** the ONNX file (default: the shipped one) */
  path?: string;
  /** an engine to load into (kept open on close); default: a private one-worker engine */
  engine?: OrtEngine;
  batchSize?: number;
}

export async function loadFmnistClassifier(opts: LoadClassifierOptions = {}): Promise<FmnistClassifier> {
  const path = opts.path ?? FMNIST_CLASSIFIER_PATH;
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      `${path}: cannot read the Fashion-MNIST classifier (${err.code ?? err.message}); it is made by npm run train:classifier`,
    );
  });
  const engine = opts.engine ?? new OrtEngine();
  const model: OrtModel = await engine.load(new Uint8Array(bytes));
  const batch = opts.batchSize ?? 500;
  const count = (images: Uint8Array, n?: number) => {
    const m = n ?? images.length / PIXELS;
    if (!Number.isInteger(m) || images.length < m * PIXELS)
      throw new Error(`expected n·784 bytes of 28×28 images, got ${images.length} bytes for n = ${m}`);
    return m;
  };
  const run = async (images: Uint8Array, n?: number) => {
    const m = count(images, n);
    let dim = 0;
    const feats: Float32Array[] = [];
    const logits = new Float32Array(m * 10);
    for (let s = 0; s < m; s += batch) {
      const k = Math.min(batch, m - s);
      const input = toClassifierInput(images.subarray(s * PIXELS, (s + k) * PIXELS), k);
      const out = await model.run({ [FMNIST_INPUT]: f32(input, [k, 1, 28, 28]) }, [FMNIST_FEATURES, FMNIST_LOGITS]);
      dim = out[FMNIST_FEATURES].dims[1];
      feats.push(out[FMNIST_FEATURES].data as Float32Array);
      logits.set(out[FMNIST_LOGITS].data as Float32Array, s * 10);
    }
    const features = new Float32Array(m * dim);
    let o = 0;
    for (const f of feats) {
      features.set(f, o);
      o += f.length;
    }
    return { features, logits, dim };
  };
  return {
    run,
    async classify(images, n) {
      const m = count(images, n);
      return argmaxRows((await run(images, m)).logits, m, 10);
    },
    async close() {
      await model.release();
      if (!opts.engine) await engine.close();
    },
  };
}
