// A set of uint8 examples (n × C × H × W images, or n points of the toy's shape) with integer labels, in the
// channels-first layout the networks and the training loop take; and the conversion from a reader's HWC images.
import type { ImageSet } from './fashion-mnist.ts';

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
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < C; c++) images[((i * C + c) * H + y) * W + x] = s.images[((i * H + y) * W + x) * C + c];
  }
  return { images, labels: s.labels, n, shape: [C, H, W], id };
}
