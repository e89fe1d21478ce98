// The skip option of the tests that read the Fashion-MNIST files: a one-line reason naming what to install when
// they are missing, so `npm test` on a fresh machine reports skips rather than failures. Under CI=true (where
// .ci/run installs the dataset) the tests never skip: a missing dataset fails them with the same message.
import { fashionMnistDir, fashionMnistMissing, type Split } from './fashion-mnist.ts';

export function fashionMnistSkip(
  split: Split = 'test',
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.CI === 'true') return undefined;
  return fashionMnistMissing(split, fashionMnistDir(env));
}
