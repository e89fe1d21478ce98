// The paper's toy experiment, end to end: pretrain θr on 1,000 points of N(0, [[2,1],[1,2]]); for each sampler
// knob (ζ for diffusion, τ for autoregressive) synthesize 1,000 points from θr, self-train θr on them (θs), and
// sweep θneon(w) = θr + w·(θr − θs) (eq. 3), scoring each by the Fréchet distance of ≥ 100k samples to the target;
// and measure the Adam-preconditioned cosine between the real and synthetic population gradients at θr.
//
// Two evaluation protocols. The paper's (its official notebook): the synthetic set is drawn with the scaled
// sampler (ζ·s_θ, or temperature τ) but every merged model is scored with the unbiased one, ζ = 1 (τ = 1):
// `evalKnob: 1`. The other scores each curve with its own synthesis knob: `evalKnob: 'same'`.
import type { OrtEngine } from '../engine/ort/ort-engine.ts';
import type { TF } from '../engine/tf/tf-backend.ts';
import { Rng } from '../random/prng.ts';
import { neonMerge, type Weights } from '../neon/neon-merge.ts';
import { preconditionedCosine } from '../neon/preconditioned-cosine.ts';
import { frechetToTarget, sampleTarget } from './gaussian-target.ts';
import { DiffusionToy, DIFFUSION_TOY_DEFAULTS } from './diffusion-toy.ts';
import { ArToy, AR_TOY_DEFAULTS } from './ar-toy.ts';
import { GaussianArToy } from './gaussian-ar-toy.ts';
import { ToyNetwork, type ToyFamily } from './toy-network.ts';
import type { AdamState } from '../engine/tf/adam.ts';

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
  /** Points per population-gradient estimate (in antithetic pairs). */
  nGradient: number;
  /** Loss draws per point in a population gradient (diffusion: random t and ε; the official code's 16). */
  gradientDraws: number;
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
  /** The sampler knob that scores merged models: a fixed ζ (τ), the paper's 1; or 'same' as the synthesis knob. */
  evalKnob: number | 'same';
  /** The autoregressive model: 32-bin categorical tokens, or the official notebook's Gaussian p(x₁)p(x₂|x₁). */
  arModel: 'categorical' | 'gaussian';
  /**
   * v̂ of the cosine's preconditioner: the pretraining Adam's own second moment, or ('population') Adam's update run
   * over minibatches of 2,048 fresh real points at θr, as the official notebook estimates it.
   */
  preconditioner: 'pretraining' | 'population';
}

export const TOY_DEFAULTS: Record<ToyFamilyName, Omit<ToyConfig, 'seed' | 'wGrid'> & { wGrid: number[] }> = {
  diffusion: {
    family: 'diffusion',
    knobs: [0.9, 1.1],
    wGrid: grid(-2, 2, 0.25),
    nReal: 1000,
    nSynthetic: 1000,
    nEval: 100_000,
    nGradient: 100_000,
    gradientDraws: 16,
    pretrainSteps: 12_000,
    selfTrainSteps: 1000,
    lr: 1e-3,
    batch: 1000,
    repeats: 4,
    schedule: 'constant',
    selfTrainLr: 5e-4,
    continueOptimizer: false,
    refine: 0.1,
    evalKnob: 1,
    arModel: 'categorical',
    preconditioner: 'pretraining',
  },
  ar: {
    family: 'ar',
    knobs: [0.5, 1.6],
    wGrid: grid(-2, 2, 0.25),
    nReal: 1000,
    nSynthetic: 1000,
    nEval: 100_000,
    nGradient: 100_000,
    gradientDraws: 1,
    pretrainSteps: 6_000,
    selfTrainSteps: 100,
    lr: 1e-3,
    batch: 1000,
    repeats: 1,
    schedule: 'constant',
    selfTrainLr: 1e-3,
    continueOptimizer: false,
    refine: 0.1,
    evalKnob: 1,
    arModel: 'categorical',
    preconditioner: 'pretraining',
  },
};

/**
 * The official notebook's autoregressive toy (`arModel: 'gaussian'`): θr on 100 points (1,000 full-batch Adam steps
 * at 5e-4), 10⁵ synthetic points, θs after 50 epochs of minibatches of 2,048 at 1e-4, w over [−1, 1] by 0.05.
 */
export const AR_GAUSSIAN_DEFAULTS: Partial<ToyConfig> = {
  arModel: 'gaussian',
  nReal: 100,
  nSynthetic: 100_000,
  pretrainSteps: 1000,
  lr: 5e-4,
  batch: 2048,
  selfTrainSteps: 2450,
  selfTrainLr: 1e-4,
  wGrid: grid(-1, 1, 0.05),
  refine: 0,
};

function grid(start: number, stop: number, step: number): number[] {
  const n = Math.round((stop - start) / step) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((start + i * step) * 1e10) / 1e10);
}

export interface ToyCurve {
  /** FID of θr under the evaluation sampler (the w = 0 point). */
  base_fid: number;
  best_w: number;
  best_fid: number;
  fid_by_w: Record<string, number>;
}

export interface ToyResult {
  family: ToyFamilyName;
  /** The evaluation protocol: the knob that scored every merged model (a number), or 'same' as each curve's. */
  eval_knob: number | 'same';
  /** FID of θr at the most mode-seeking curve's evaluation sampler (with a fixed eval knob, θr's FID there). */
  base_fid: number;
  curves: Record<string, ToyCurve>;
  cosine: Record<string, number>;
  seconds: number;
}

export interface ToyCosineSweep {
  family: ToyFamilyName;
  /** cos_P(g_r, g_s) at θr for the synthetic set of each knob. */
  cosine: Record<string, number>;
  seconds: number;
}

export type ToyProgress = (event: {
  stage: string;
  knob?: number;
  done?: number;
  total?: number;
  detail?: string;
}) => void;

export function makeFamily(
  name: ToyFamilyName,
  seed: number,
  arModel: ToyConfig['arModel'] = 'categorical',
): ToyFamily {
  if (name === 'diffusion') return new DiffusionToy(DIFFUSION_TOY_DEFAULTS, seed);
  return arModel === 'gaussian' ? new GaussianArToy(seed) : new ArToy(AR_TOY_DEFAULTS, seed);
}

/**
 * Seeds of each stream of the run, kept apart so that no two stages share random numbers. A knob's streams are
 * keyed by its value (in thousandths), so its curve is the same whatever other knobs the run has.
 */
export function toySeeds(seed: number) {
  const s = (k: number) => (seed * 7919 + k) >>> 0;
  const byKnob = (stream: number) => (knob: number) => s(stream * 1_000_000 + Math.round(knob * 1000));
  return {
    init: s(1),
    real: s(2),
    pretrain: s(3),
    evalNoise: s(4),
    gradient: s(5),
    realFresh: s(6),
    preconditioner: s(7),
    synthetic: byKnob(1),
    selfTrain: byKnob(2),
    synFresh: byKnob(3),
    synGradient: byKnob(4),
  };
}

/** θr and what the cosine needs at θr: the pretraining Adam's v̂ and the real population gradient. */
interface BaseModel {
  family: ToyFamily;
  net: ToyNetwork;
  base: Weights;
  adamState: AdamState;
  vHat: Weights;
  gReal: Weights;
}

type BaseConfig = Pick<
  ToyConfig,
  | 'family'
  | 'seed'
  | 'nReal'
  | 'nGradient'
  | 'gradientDraws'
  | 'pretrainSteps'
  | 'lr'
  | 'batch'
  | 'repeats'
  | 'schedule'
  | 'arModel'
  | 'preconditioner'
>;

/** Each row of `x` (rows of `width` floats) `k` times over: the loss then draws its own noise for each copy. */
function repeatRows(x: Float32Array, k: number): Float32Array {
  if (k === 1) return x;
  const out = new Float32Array(x.length * k);
  for (let i = 0; i < k; i++) out.set(x, i * x.length);
  return out;
}

async function pretrainBase(tf: TF, ort: OrtEngine, cfg: BaseConfig, progress: ToyProgress): Promise<BaseModel> {
  const sd = toySeeds(cfg.seed);
  const family = makeFamily(cfg.family, sd.init, cfg.arModel);
  const net = new ToyNetwork(tf, ort, family.model);
  const real = sampleTarget(cfg.nReal, sd.real);
  const opt = net.fit(family, real, 2, {
    lr: cfg.lr,
    steps: cfg.pretrainSteps,
    batch: cfg.batch,
    repeats: cfg.repeats,
    schedule: cfg.schedule,
    rng: new Rng(sd.pretrain),
    onStep: (step, loss) =>
      progress({ stage: 'pretrain', done: step, total: cfg.pretrainSteps, detail: `loss ${loss.toFixed(4)}` }),
  });
  const base = net.weights();
  const adamState = opt.state();
  opt.dispose();
  // the real population gradient at θr, from fresh points of the target in antithetic pairs, each point with
  // gradientDraws loss draws (random t and ε)
  progress({ stage: 'real gradient' });
  const realFresh = repeatRows(sampleTarget(cfg.nGradient, sd.realFresh, { antithetic: true }), cfg.gradientDraws);
  const gReal = net.gradient(family, realFresh, 2, new Rng(sd.gradient));
  // the preconditioner P = 1/(√v̂ + ε)
  let vHat: Weights;
  if (cfg.preconditioner === 'population') {
    progress({ stage: 'preconditioner' });
    vHat = net.secondMoment(family, realFresh, 2, new Rng(sd.preconditioner));
  } else {
    // Adam's bias-corrected second moment v̂ = v/(1 − β2ᵗ) at the end of pretraining
    vHat = new Map([...adamState.v].map(([k, v]) => [k, v.map((x) => x / (1 - opt.beta2 ** adamState.step))]));
  }
  return { family, net, base, adamState, vHat, gReal };
}

/**
 * cos_P(g_r, g_s) at θr for the knob's sampler (the paper's alignment measure): g_s from nGradient fresh samples of
 * θr drawn with the knob in antithetic pairs, each with gradientDraws loss draws independent of g_r's.
 */
async function cosineAt(m: BaseModel, knob: number, cfg: BaseConfig): Promise<number> {
  const sd = toySeeds(cfg.seed);
  const synFresh = await m.family.sample(m.net, m.base, cfg.nGradient, knob, sd.synFresh(knob), { antithetic: true });
  const gSyn = m.net.gradient(m.family, repeatRows(synFresh, cfg.gradientDraws), 2, new Rng(sd.synGradient(knob)));
  return preconditionedCosine(m.gReal, gSyn, m.vHat);
}

export async function runToy(
  tf: TF,
  ort: OrtEngine,
  cfg: ToyConfig,
  progress: ToyProgress = () => {},
): Promise<ToyResult> {
  const started = performance.now();
  const sd = toySeeds(cfg.seed);
  const m = await pretrainBase(tf, ort, cfg, progress);
  const { family, net, base } = m;
  try {
    const evalKnobOf = (knob: number) => (cfg.evalKnob === 'same' ? knob : cfg.evalKnob);
    const fidOf = async (weights: Weights, knob: number) =>
      frechetToTarget(await family.sample(net, weights, cfg.nEval, evalKnobOf(knob), sd.evalNoise));

    const curves: Record<string, ToyCurve> = {};
    const cosine: Record<string, number> = {};
    for (const knob of cfg.knobs) {
      const key = String(knob);
      // 1. the synthetic set S from θr with the knob's sampler; θs: θr fine-tuned on S
      progress({ stage: 'synthesize', knob });
      const S = await family.sample(net, base, cfg.nSynthetic, knob, sd.synthetic(knob));
      net.setWeights(base);
      const st = net.fit(family, S, 2, {
        lr: cfg.selfTrainLr,
        steps: cfg.selfTrainSteps,
        batch: cfg.batch,
        repeats: cfg.repeats,
        schedule: cfg.schedule,
        rng: new Rng(sd.selfTrain(knob)),
        initialState: cfg.continueOptimizer ? { step: m.adamState.step, v: m.adamState.v } : undefined,
        onStep: (step, loss) =>
          progress({
            stage: 'self-train',
            knob,
            done: step,
            total: cfg.selfTrainSteps,
            detail: `loss ${loss.toFixed(4)}`,
          }),
      });
      st.dispose();
      const self = net.weights();
      net.setWeights(base);

      // 2. the synthetic population gradient at θr and the cosine
      progress({ stage: 'cosine', knob });
      cosine[key] = await cosineAt(m, knob, cfg);

      // 3. the sweep over w, every point on the same evaluation seeds and with the evaluation sampler
      const fid_by_w: Record<string, number> = {};
      for (const [i, w] of cfg.wGrid.entries()) {
        fid_by_w[String(w)] = await fidOf(neonMerge(base, self, w), knob);
        progress({
          stage: 'sweep',
          knob,
          done: i + 1,
          total: cfg.wGrid.length,
          detail: `w ${w}: ${fid_by_w[String(w)].toFixed(4)}`,
        });
      }
      const baseFid = fid_by_w['0'] ?? (await fidOf(base, knob));
      const argmin = () =>
        Object.keys(fid_by_w)
          .map(Number)
          .reduce((a, b) => (fid_by_w[String(b)] < fid_by_w[String(a)] ? b : a));
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
    return {
      family: cfg.family,
      eval_knob: cfg.evalKnob,
      base_fid: curves[String(modeSeeking)].base_fid,
      curves,
      cosine,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    net.dispose();
  }
}

/** The paper's cosine figure: pretrain θr once, then cos_P(g_r, g_s) at θr for each knob's synthetic samples. */
export async function runCosineSweep(
  tf: TF,
  ort: OrtEngine,
  cfg: BaseConfig & { knobs: number[] },
  progress: ToyProgress = () => {},
): Promise<ToyCosineSweep> {
  const started = performance.now();
  const m = await pretrainBase(tf, ort, cfg, progress);
  try {
    const cosine: Record<string, number> = {};
    for (const [i, knob] of cfg.knobs.entries()) {
      cosine[String(knob)] = await cosineAt(m, knob, cfg);
      progress({
        stage: 'cosine',
        knob,
        done: i + 1,
        total: cfg.knobs.length,
        detail: `cos ${cosine[String(knob)].toFixed(3)}`,
      });
    }
    return { family: cfg.family, cosine, seconds: (performance.now() - started) / 1000 };
  } finally {
    m.net.dispose();
  }
}
