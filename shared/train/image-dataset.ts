// A training set of uint8 images (n × C × H × W) with integer labels, and the two ways of drawing minibatches
// from it: shuffled epochs (each image once per epoch, order from the seeded generator) and uniform draws with
// replacement.
import type { ImageSet } from '../data/fashion-mnist.ts';
import type { TrainingBatch } from '../families/generator-family.ts';
import type { Rng } from '../random/prng.ts';

export interface LabeledImages {
  images: Uint8Array;
  labels: ArrayLike<number>;
  n: number;
  /** Per-example shape ([C, H, W] for images, [2] for the toy's points). */
  shape: readonly number[];
  /** Where the set came from (dataset name or sample-set id). */
  id: string;
}

/** An HWC image set (as the readers give it) in CHW layout. */
export function fromImageSet(s: ImageSet, id: string): LabeledImages {
  const { n, height: H, width: W, channels: C } = s;
  let images = s.images;
  if (C > 1) {
    images = new Uint8Array(s.images.length);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) images[((i * C + c) * H + y) * W + x] = s.images[((i * H + y) * W + x) * C + c];
  }
  return { images, labels: s.labels, n, shape: [C, H, W], id };
}

function sampleDim(data: LabeledImages): number {
  return data.shape.reduce((a, b) => a * b, 1);
}

/** Minibatches of min(batch, n) examples, each drawn uniformly with replacement from `rng`. */
export class UniformDraws {
  constructor(
    private readonly data: LabeledImages,
    private readonly rng: Rng,
  ) {}

  next(batch: number): TrainingBatch {
    const { data } = this;
    const dim = sampleDim(data);
    const b = Math.min(batch, data.n);
    const images = new Uint8Array(b * dim);
    const labels = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const r = this.rng.int(data.n);
      images.set(data.images.subarray(r * dim, (r + 1) * dim), i * dim);
      labels[i] = data.labels[r];
    }
    return { images, labels, n: b };
  }
}

/** Minibatches by shuffled epochs. */
export class BatchSampler {
  private order: Int32Array;
  private pos: number;
  constructor(
    private readonly data: LabeledImages,
    private readonly rng: Rng,
  ) {
    this.order = new Int32Array(data.n);
    this.pos = data.n;
  }

  next(batch: number): TrainingBatch {
    const { data } = this;
    const dim = sampleDim(data);
    const b = Math.min(batch, data.n);
    const images = new Uint8Array(b * dim);
    const labels = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      if (this.pos >= data.n) this.shuffle();
      const r = this.order[this.pos++];
      images.set(data.images.subarray(r * dim, (r + 1) * dim), i * dim);
      labels[i] = data.labels[r];
    }
    return { images, labels, n: b };
  }

  private shuffle(): void {
    // Fisher–Yates
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
    this.pos = 0;
  }
}
