// The two ways of drawing minibatches from a labelled image set: shuffled epochs (each image once per epoch,
// order from the seeded generator) and uniform draws with replacement.
import type { LabeledImages } from '../data/labeled-images.ts';
import type { TrainingBatch } from '../families/generator-family.ts';
import type { Rng } from '../random/prng.ts';

/** A minibatch of min(batch, n) examples, the i-th being example pick() (called in order). */
function gather(data: LabeledImages, batch: number, pick: () => number): TrainingBatch {
  const dim = data.shape.reduce((a, b) => a * b, 1);
  const b = Math.min(batch, data.n);
  const images = new Uint8Array(b * dim);
  const labels = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const r = pick();
    images.set(data.images.subarray(r * dim, (r + 1) * dim), i * dim);
    labels[i] = data.labels[r];
  }
  return { images, labels, n: b };
}

/** Minibatches of min(batch, n) examples, each drawn uniformly with replacement from `rng`. */
export class UniformDraws {
  constructor(
    private readonly data: LabeledImages,
    private readonly rng: Rng,
  ) {}

  next(batch: number): TrainingBatch {
    return gather(this.data, batch, () => this.rng.int(this.data.n));
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
    return gather(this.data, batch, () => {
      if (this.pos >= this.data.n) this.shuffle();
      return this.order[this.pos++];
    });
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
