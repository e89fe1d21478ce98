// The names of a model's class labels: the manifest's own `conditioning.class_names`, else those of the dataset it
// was trained on when the project knows it (Fashion-MNIST), else none (callers show the label number).
import { FASHION_MNIST_CLASSES } from '../data/fashion-mnist.ts';
import type { Manifest } from './manifest.ts';

type Named = {
  conditioning: Pick<Manifest['conditioning'], 'num_classes' | 'class_names'>;
  training?: { dataset?: string };
};

export function classNamesOf(manifest: Named): string[] | null {
  const k = manifest.conditioning.num_classes;
  if (k === 0) return null;
  if (manifest.conditioning.class_names?.length === k) return [...manifest.conditioning.class_names];
  const dataset = manifest.training?.dataset ?? '';
  if (/^fashion-mnist(\/|$)/.test(dataset) && k === FASHION_MNIST_CLASSES.length) return [...FASHION_MNIST_CLASSES];
  return null;
}
