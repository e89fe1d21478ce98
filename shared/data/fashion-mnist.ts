// Fashion-MNIST (Xiao et al. 2017) from the IDX files of Debian's dataset-fashion-mnist package:
// 60,000 train and 10,000 test images, 28×28 gray, 10 classes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from './idx.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export type Split = 'train' | 'test';

export interface ImageSet {
  /** n × height × width × channels bytes, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** The data folder: FASHION_MNIST_DIR in the environment, else the Debian package's path. */
export function fashionMnistDir(env: Record<string, string | undefined> = process.env): string {
  return env.FASHION_MNIST_DIR?.trim() || FASHION_MNIST_DIR;
}

const stems = (split: Split) => {
  const prefix = split === 'train' ? 'train' : 't10k';
  return [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
};

/** The file of an IDX stem in `dir` (`.gz` or plain), or undefined. */
function idxFile(dir: string, stem: string): string | undefined {
  for (const name of [`${stem}.gz`, stem]) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** What is missing for a split, as one line naming the fix, or undefined when its files are there. */
export function fashionMnistMissing(split: Split, dir = fashionMnistDir()): string | undefined {
  const missing = stems(split).find((stem) => idxFile(dir, stem) === undefined);
  return missing === undefined
    ? undefined
    : `Fashion-MNIST: ${missing}(.gz) not found in ${dir} (apt-get install -y dataset-fashion-mnist, or set FASHION_MNIST_DIR)`;
}

export async function loadFashionMnist(split: Split, dir = fashionMnistDir()): Promise<ImageSet> {
  const find = (stem: string) => {
    const file = idxFile(dir, stem);
    if (file === undefined) throw new Error(fashionMnistMissing(split, dir));
    return file;
  };
  const [imagesStem, labelsStem] = stems(split);
  const img = await readIdx(find(imagesStem));
  const lab = await readIdx(find(labelsStem));
  if (img.dims.length !== 3 || lab.dims.length !== 1 || img.dims[0] !== lab.dims[0]) {
    throw new Error(`Fashion-MNIST ${split}: images [${img.dims}] and labels [${lab.dims}] do not match`);
  }
  return { images: img.data, labels: lab.data, n: img.dims[0], height: img.dims[1], width: img.dims[2], channels: 1 };
}
