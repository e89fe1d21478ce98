// npm run toy:oracle — the toy's DDIM sampler (η = 1) driven by the exact score of the target, so that what the
// samples miss is the sampler's doing alone: dispersion (trace and determinant of the sample covariance over the
// target's) and Fréchet distance, by number of steps and score scale ζ. Flags: --n N (samples, default 200000),
// --seed S (default 5), --steps a,b,… (default 20,50,200,1000), --zeta a,b,… (default 0.9,1,1.1).
import { intFlag, numberListFlag, parseFlags, UsageError } from '../cli/flags.ts';
import { cosineAlphaBar } from '../shared/diffusion/cosine-schedule.ts';
import { ddimSample } from '../shared/samplers/ddim.ts';
import { exactEpsFn } from '../shared/toy/exact-score.ts';
import { frechetToTarget, gaussianFit } from '../shared/toy/gaussian-target.ts';

let n: number, seed: number, stepsList: number[], zetas: number[];
try {
  const flags = parseFlags(process.argv.slice(2), { string: ['n', 'seed', 'steps', 'zeta'] });
  n = intFlag(flags, 'n', { min: 2 }) ?? 200_000;
  seed = intFlag(flags, 'seed', { min: 0 }) ?? 5;
  stepsList = numberListFlag(flags, 'steps') ?? [20, 50, 200, 1000];
  zetas = numberListFlag(flags, 'zeta') ?? [0.9, 1, 1.1];
  if (!stepsList.every((s) => Number.isInteger(s) && s >= 1 && s <= 1000))
    throw new UsageError('--steps must be integers in [1, 1000]');
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`toy:oracle: ${err.message}`);
  process.exit(2);
}
const alphaBar = cosineAlphaBar(1000);

console.log(
  `DDIM (η = 1, cosine schedule, T = 1000) with the exact score of N(0, [[2,1],[1,2]]); ${n} samples, seed ${seed}`,
);
console.log('steps  ζ     tr ratio  det ratio  FID');
for (const steps of stepsList) {
  for (const zeta of zetas) {
    const x = await ddimSample(exactEpsFn(alphaBar), n, { alphaBar, steps, eta: 1, zeta, dim: 2, seed });
    const { cov } = gaussianFit(x);
    const tr = (cov[0][0] + cov[1][1]) / 4;
    const det = (cov[0][0] * cov[1][1] - cov[0][1] ** 2) / 3;
    console.log(
      `${String(steps).padEnd(6)} ${zeta.toFixed(2).padEnd(5)} ${tr.toFixed(3).padEnd(9)} ${det.toFixed(3).padEnd(10)} ${frechetToTarget(x).toFixed(4)}`,
    );
  }
}
