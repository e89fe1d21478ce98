// Comparisons have no gradient in tfjs, so a mask computed from a parameter (Where(x > 0, …)) stops
// differentiation with an error. Their gradient is zero almost everywhere: registered here as such.
import type * as tfc from '@tensorflow/tfjs-core';

type TF = typeof tfc;

const COMPARISONS = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'];

export function installZeroGradients(tf: TF): void {
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved;
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
