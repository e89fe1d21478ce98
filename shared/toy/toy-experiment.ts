// The paper's toy experiment, end to end: pretrain θr on 1,000 points of N(0, [[2,1],[1,2]]); for each sampler
// knob (ζ for diffusion, τ for autoregressive) synthesize 1,000 points from θr, self-train θr on them (θs), and
// sweep θneon(w) = θr + w·(θr − θs), scoring each by the Fréchet distance of ≥ 100k samples to the target;
// and measure the Adam-preconditioned cosine between the real and synthetic population gradients at θr.
import type { OrtEngine } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { Rng } from '../random/prng.ts';
import { neonMerge, type Weights } from '../neon/neon-merge.ts';
import { preconditionedCosine } from '../neon/preconditioned-cosine.ts';
import { frechetToTarget, sampleTarget } from './gaussian-target.ts';
import { DiffusionToy, DIFFUSION_TOY_DEFAULTS } from './diffusion-toy.ts';
import { ArToy, AR_TOY_DEFAULTS } from './ar-toy.ts';
import { ToyNetwork, type ToyFamily } from './toy-network.ts';

export type ToyFamilyName = 'diffusion' | 'ar';

export interface ToyConfig {
  family: ToyFamilyName;
  /** ζ values (diffusion) or τ values (autoregressive). */
  knobs: number[];
  wGrid: number[];
  seed: number;
  nReal: number;
  nSynthetic: number;
  /** Samples per Fréchet distance. */
  nEval: number;
  /** Samples per population-gradient estimate. */
  nGradient: number;
  pretrainSteps: number;
  selfTrainSteps: number;
  lr: number;
  batch: number;
  /** Noise draws per row and step (diffusion). */
  repeats: number;
  schedule: 'constant' | 'cosine';
  selfTrainLr: number;
  /** Self-training continues the pretraining optimizer's second moments (and step count) instead of a fresh Adam. */
  continueOptimizer: boolean;
  /** The official procedure's refinement: after the grid, also score best ± refine (0: off). */
  refine: number;
}

export const TOY_DEFAULTS: Record<ToyFamilyName, Omit<ToyConfig, 'seed' | 'wGrid'> & { wGrid: number[] }> = {
  diffusion: {
    family: 'diffusion', knobs: [0.9, 1.1], wGrid: grid(-2, 2, 0.25), nReal: 1000, nSynthetic: 1000, nEval: 100_000,
    nGradient: 50_000, pretrainSteps: 12_000, selfTrainSteps: 1000, lr: 1e-3, batch: 1000, repeats: 4, schedule: 'constant', selfTrainLr: 5e-4, continueOptimizer: false, refine: 0.1,
  },
  ar: {
    family: 'ar', knobs: [0.5, 1.6], wGrid: grid(-2, 2, 0.25), nReal: 1000, nSynthetic: 1000, nEval: 100_000,
    nGradient: 50_000, pretrainSteps: 6_000, selfTrainSteps: 100, lr: 1e-3, batch: 1000, repeats: 1, schedule: 'constant', selfTrainLr: 1e-3, continueOptimizer: false, refine: 0.1,
  },
};

function grid(start: number, stop: number, step: number): number[] {
  const n = Math.round((stop - start) / step) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((start + i * step) * 1e10) / 1e10);
}

export interface ToyCurve {
  /** FID of θr at this knob (the w = 0 point). */
  base_fid: number;
  best_w: number;
  best_fid: number;
  fid_by_w: Record<string, number>;
}

export interface ToyResult {
  family: ToyFamilyName;
  /** FID of θr at the most mode-seeking knob of the run (largest ζ, smallest τ). */
  base_fid: number;
  curves: Record<string, ToyCurve>;
  cosine: Record<string, number>;
  seconds: number;
}

export type ToyProgress = (event: { stage: string; knob?: number; done?: number; total?: number; detail?: string }) => void;

export function makeFamily(name: ToyFamilyName, seed: number): ToyFamily {
  return name === 'diffusion' ? new DiffusionToy(DIFFUSION_TOY_DEFAULTS, seed) : new ArToy(AR_TOY_DEFAULTS, seed);
}

/**
 * Seeds of each stream of the run, kept apart so that no two stages share random numbers. A knob's streams are
 * keyed by its value (in thousandths), so its curve is the same whatever other knobs the run has.
 */
export function toySeeds(seed: number) {
  const s = (k: number) => (seed * 7919 + k) >>> 0;
  const byKnob = (stream: number) => (knob: number) => s(stream * 1_000_000 + Math.round(knob * 1000));
  return { init: s(1), real: s(2), pretrain: s(3), evalNoise: s(4), gradient: s(5), realFresh: s(6), synthetic: byKnob(1), selfTrain: byKnob(2), synFresh: byKnob(3) };
}

export async function runToy(tf: TF, ort: OrtEngine, cfg: ToyConfig, progress: ToyProgress = () => {}): Promise<ToyResult> {
  const started = performance.now();
  const sd = toySeeds(cfg.seed);
  const family = makeFamily(cfg.family, sd.init);
  const net = new ToyNetwork(tf, ort, family.model);
  try {
    // 1. θr: pretraining on the real points
    const real = sampleTarget(cfg.nReal, sd.real);
    const opt = net.fit(family, real, 2, {
      lr: cfg.lr, steps: cfg.pretrainSteps, batch: cfg.batch, repeats: cfg.repeats, schedule: cfg.schedule, rng: new Rng(sd.pretrain),
      onStep: (step, loss) => progress({ stage: 'pretrain', done: step, total: cfg.pretrainSteps, detail: `loss ${loss.toFixed(4)}` }),
    });
    const base = net.weights();
    const state = opt.state();
    opt.dispose();
    // Adam's bias-corrected second moment v̂ = v/(1 − β2ᵗ): the preconditioner P = 1/(√v̂ + ε)
    const vHat: Weights = new Map([...state.v].map(([k, v]) => [k, v.map((x) => x / (1 - opt.beta2 ** state.step))]));

    const fidOf = async (weights: Weights, knob: number) => frechetToTarget(await family.sample(net, weights, cfg.nEval, knob, sd.evalNoise));

    // the real population gradient at θr, from fresh points of the target
    const realFresh = sampleTarget(cfg.nGradient, sd.realFresh);
    const gReal = net.gradient(family, realFresh, 2, new Rng(sd.gradient));

    const curves: Record<string, ToyCurve> = {};
    const cosine: Record<string, number> = {};
    for (const knob of cfg.knobs) {
      const key = String(knob);
      // 2. the synthetic set S from θr with the knob's sampler; θs: θr fine-tuned on S
      progress({ stage: 'synthesize', knob });
      const S = await family.sample(net, base, cfg.nSynthetic, knob, sd.synthetic(knob));
      net.setWeights(base);
      const st = net.fit(family, S, 2, {
        lr: cfg.selfTrainLr, steps: cfg.selfTrainSteps, batch: cfg.batch, repeats: cfg.repeats, schedule: cfg.schedule, rng: new Rng(sd.selfTrain(knob)),
        initialState: cfg.continueOptimizer ? { step: state.step, v: state.v } : undefined,
        onStep: (step, loss) => progress({ stage: 'self-train', knob, done: step, total: cfg.selfTrainSteps, detail: `loss ${loss.toFixed(4)}` }),
      });
      st.dispose();
      const self = net.weights();
      net.setWeights(base);

      // 3. the synthetic population gradient at θr (same noise draws as the real one) and the cosine
      const synFresh = await family.sample(net, base, cfg.nGradient, knob, sd.synFresh(knob));
      const gSyn = net.gradient(family, synFresh, 2, new Rng(sd.gradient));
      cosine[key] = preconditionedCosine(gReal, gSyn, vHat);

      // 4. the sweep over w, every point on the same evaluation seeds
      const fid_by_w: Record<string, number> = {};
      for (const [i, w] of cfg.wGrid.entries()) {
        fid_by_w[String(w)] = await fidOf(neonMerge(base, self, w), knob);
        progress({ stage: 'sweep', knob, done: i + 1, total: cfg.wGrid.length, detail: `w ${w}: ${fid_by_w[String(w)].toFixed(4)}` });
      }
      const baseFid = fid_by_w['0'] ?? (await fidOf(base, knob));
      const argmin = () => Object.keys(fid_by_w).map(Number).reduce((a, b) => (fid_by_w[String(b)] < fid_by_w[String(a)] ? b : a));
      let bestW = argmin();
      // refine ±step around the grid's best point (the paper's selection procedure), on the same seeds
      if (cfg.refine > 0) {
        for (const w of [bestW - cfg.refine, bestW + cfg.refine].map((v) => Math.round(v * 1e10) / 1e10)) {
          if (fid_by_w[String(w)] === undefined) {
            fid_by_w[String(w)] = await fidOf(neonMerge(base, self, w), knob);
            progress({ stage: 'refine', knob, detail: `w ${w}: ${fid_by_w[String(w)].toFixed(4)}` });
          }
        }
        bestW = argmin();
      }
      curves[key] = { base_fid: baseFid, best_w: bestW, best_fid: fid_by_w[String(bestW)], fid_by_w };
    }
    const modeSeeking = cfg.family === 'diffusion' ? Math.max(...cfg.knobs) : Math.min(...cfg.knobs);
    return { family: cfg.family, base_fid: curves[String(modeSeeking)].base_fid, curves, cosine, seconds: (performance.now() - started) / 1000 };
  } finally {
    net.dispose();
  }
}
