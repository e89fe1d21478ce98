// `neon toy`: the paper's 2-d toy, end to end (see shared/toy/toy-experiment.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, choiceFlag, gridFlag, intFlag, numberListFlag, parseFlags, parseNumber } from './flags.ts';
import { Progress } from './progress.ts';
import {
  AR_GAUSSIAN_DEFAULTS,
  runCosineSweep,
  runToy,
  TOY_DEFAULTS,
  type ToyConfig,
  type ToyCosineSweep,
  type ToyFamilyName,
  type ToyResult,
} from '../shared/toy/toy-experiment.ts';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { linePlotSvg } from '../shared/plot/line-plot-svg.ts';
import { neonHome } from '../shared/config/neon-home.ts';

const HELP = `usage: neon toy --family diffusion|ar [--zeta 0.9,1.1 | --tau 0.5,1.6] [--w -2:2:0.25] [--seed N] [--json]
       neon toy --family diffusion --cosine-sweep 0.8:1.25:0.025 [--seed N] [--json]
       neon toy --family ar --tau-sweep 0.4:1.6:0.1 [--seed N] [--json]

The paper's 2-d toy: pretrain on 1,000 points of N(0, [[2,1],[1,2]]), synthesize 1,000 points per sampler
setting (DDIM score scale ζ, or autoregressive temperature τ), self-train, sweep θr + w·(θr − θs), and score
each w by the Fréchet distance of 100k samples to the target, drawn with the evaluation sampler (the paper's
protocol: ζ = 1, τ = 1, whatever the synthesis knob).

  --family F            diffusion (default) or ar
  --zeta LIST           score scales of the synthetic sets for diffusion (default 0.9,1.1)
  --tau LIST            temperatures of the synthetic sets for ar (default 0.5,1.6)
  --eval-zeta Z|same    the score scale that scores merged models (default 1, the paper's protocol;
                        'same': each curve with its own synthesis ζ)
  --eval-tau T|same     the same for ar (default 1)
  --cosine-sweep GRID   instead of the w sweep: cos_P(g_real, g_syn) at θr for each ζ (diffusion), as a plot
  --tau-sweep GRID      the same over τ (ar)
  --w GRID              w values: start:stop:step or a list (default -2:2:0.25; must include 0)
  --seed N              seed of the whole run (default 0)
  --json                print one JSON object on the last line of stdout
  --refine STEP         after the grid, also score best ± STEP, as the official procedure (default 0.1; 0: off)
  --n-eval N            samples per Fréchet distance (default 100000)
  --pretrain-steps N    Adam steps on the real points (default per family)
  --self-train-steps N  Adam steps on the synthetic points (default per family)
  --n-gradient N        fresh samples per population gradient (default 100000)
  --ar-model M          categorical (default: 32 bins per coordinate) or gaussian (the official notebook's
                        Gaussian p(x₁)p(x₂|x₁) with its budgets: 100 real points, 10⁵ synthetic, w over −1:1:0.05)
  --preconditioner P    v̂ of the cosine: pretraining (default: the pretraining Adam's second moment) or population
                        (the official notebook's: Adam's update over minibatches of 2,048 fresh real points at θr)`;

export const toyCommand: Command = {
  summary: "the paper's 2-d toy: Neon's sign follows the sampler",
  async run(argv) {
    const flags = parseFlags(argv, {
      boolean: ['json', 'help'],
      string: [
        'family',
        'zeta',
        'tau',
        'w',
        'seed',
        'n-eval',
        'pretrain-steps',
        'self-train-steps',
        'refine',
        'eval-zeta',
        'eval-tau',
        'cosine-sweep',
        'tau-sweep',
        'n-gradient',
        'ar-model',
        'preconditioner',
      ],
    });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const family: ToyFamilyName = choiceFlag(flags, 'family', ['diffusion', 'ar'] as const) ?? 'diffusion';
    const zeta = numberListFlag(flags, 'zeta');
    const tau = numberListFlag(flags, 'tau');
    if (family === 'diffusion' && tau) throw new UsageError('--tau is for --family ar; diffusion takes --zeta');
    if (family === 'ar' && zeta) throw new UsageError('--zeta is for --family diffusion; ar takes --tau');
    const knobs = zeta ?? tau;
    if (knobs && knobs.some((k) => !(k > 0)))
      throw new UsageError(`--${zeta ? 'zeta' : 'tau'} values must be positive`);
    if (family === 'diffusion' && flags.values.has('eval-tau'))
      throw new UsageError('--eval-tau is for --family ar; diffusion takes --eval-zeta');
    if (family === 'ar' && flags.values.has('eval-zeta'))
      throw new UsageError('--eval-zeta is for --family diffusion; ar takes --eval-tau');
    if (family === 'diffusion' && flags.values.has('tau-sweep'))
      throw new UsageError('--tau-sweep is for --family ar; diffusion takes --cosine-sweep');
    if (family === 'ar' && flags.values.has('cosine-sweep'))
      throw new UsageError('--cosine-sweep is for --family diffusion; ar takes --tau-sweep');
    const sweepFlag = family === 'diffusion' ? 'cosine-sweep' : 'tau-sweep';
    const sweep = gridFlag(flags, sweepFlag);
    if (sweep) {
      if (sweep.some((k) => !(k > 0))) throw new UsageError(`--${sweepFlag} values must be positive`);
      if (sweep.length > 200) throw new UsageError(`--${sweepFlag} has ${sweep.length} points, at most 200`);
      for (const f of ['zeta', 'tau', 'w', 'eval-zeta', 'eval-tau', 'refine', 'n-eval', 'self-train-steps']) {
        if (flags.values.has(f)) throw new UsageError(`--${f} does not apply to --${sweepFlag} (it runs no w sweep)`);
      }
    }
    const evalKnob = evalKnobFlag(flags, family === 'diffusion' ? 'eval-zeta' : 'eval-tau');
    const wGrid = gridFlag(flags, 'w');
    if (wGrid && !wGrid.includes(0)) throw new UsageError('--w must include 0 (the base model)');
    const arModel = choiceFlag(flags, 'ar-model', ['categorical', 'gaussian'] as const);
    if (arModel && family !== 'ar') throw new UsageError('--ar-model is for --family ar');
    const defaults = { ...TOY_DEFAULTS[family], ...(arModel === 'gaussian' ? AR_GAUSSIAN_DEFAULTS : {}) };
    const cfg: ToyConfig = {
      ...defaults,
      knobs: knobs ?? defaults.knobs,
      wGrid: wGrid ?? defaults.wGrid,
      seed: intFlag(flags, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? 0,
      nEval: intFlag(flags, 'n-eval', { min: 100 }) ?? defaults.nEval,
      pretrainSteps: intFlag(flags, 'pretrain-steps', { min: 1 }) ?? defaults.pretrainSteps,
      selfTrainSteps: intFlag(flags, 'self-train-steps', { min: 1 }) ?? defaults.selfTrainSteps,
      refine: refineFlag(flags) ?? defaults.refine,
      nGradient: intFlag(flags, 'n-gradient', { min: 100, max: 10_000_000 }) ?? defaults.nGradient,
      evalKnob: evalKnob ?? defaults.evalKnob,
      preconditioner:
        choiceFlag(flags, 'preconditioner', ['pretraining', 'population'] as const) ?? defaults.preconditioner,
    };
    const json = flags.booleans.has('json');
    if (sweep) return cosineSweep({ ...cfg, knobs: sweep }, json);
    const progress = new Progress();
    const tf = await loadTf();
    const ort = new OrtEngine();
    let result: ToyResult;
    try {
      result = await runToy(tf, ort, cfg, (e) => {
        const knob = e.knob === undefined ? '' : ` ${family === 'diffusion' ? 'ζ' : 'τ'}=${e.knob}`;
        progress.update(`${e.stage}${knob}`, e.done, e.total, e.detail);
      });
    } finally {
      progress.done();
      await ort.close();
    }
    const plotPath = await writePlot(result, cfg);
    if (json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    printTable(result, cfg);
    console.log(`plot: ${plotPath}`);
    return 0;
  },
};

/** --eval-zeta / --eval-tau: a positive number, or 'same' (score with each curve's synthesis knob). */
function evalKnobFlag(flags: ReturnType<typeof parseFlags>, name: string): number | 'same' | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  if (raw === 'same') return 'same';
  const v = parseNumber(raw, `--${name}`);
  if (!(v > 0)) throw new UsageError(`--${name} must be positive or 'same', got ${raw}`);
  return v;
}

async function cosineSweep(cfg: ToyConfig, json: boolean): Promise<number> {
  const sym = cfg.family === 'diffusion' ? 'ζ' : 'τ';
  const progress = new Progress();
  const tf = await loadTf();
  const ort = new OrtEngine();
  let result: ToyCosineSweep;
  try {
    result = await runCosineSweep(tf, ort, cfg, (e) =>
      progress.update(`${e.stage}${e.knob === undefined ? '' : ` ${sym}=${e.knob}`}`, e.done, e.total, e.detail),
    );
  } finally {
    progress.done();
    await ort.close();
  }
  const dir = join(neonHome(), 'toy');
  await mkdir(dir, { recursive: true });
  // by knob (an object's integer-like keys, such as '1', come first in its own order)
  const points = Object.entries(result.cosine)
    .map(([k, c]) => [Number(k), c] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const svg = linePlotSvg(
    [
      { label: `cos_P(g_real, g_syn) at θr`, points },
      {
        label: 'zero',
        points: [
          [points[0][0], 0],
          [points[points.length - 1][0], 0],
        ],
      },
    ],
    {
      title: `Gradient alignment on the ${cfg.family} toy (seed ${cfg.seed})`,
      xLabel: cfg.family === 'diffusion' ? 'score scale ζ of the synthetic set' : 'temperature τ of the synthetic set',
      yLabel: 'preconditioned cosine',
    },
  );
  const file = resolve(dir, `${cfg.family}-seed${cfg.seed}-cosine.svg`);
  await writeFile(file, svg);
  if (json) {
    console.log(JSON.stringify({ ...result, plot: file }));
    return 0;
  }
  console.log(
    `\n${cfg.family} toy, seed ${cfg.seed}: preconditioned cosine between the real and synthetic gradients at θr`,
  );
  for (const [k, c] of points) console.log(`${sym} = ${String(k).padEnd(6)} ${c >= 0 ? ' ' : ''}${c.toFixed(4)}`);
  console.log(`${result.seconds.toFixed(1)} s`);
  console.log(`plot: ${file}`);
  return 0;
}

function refineFlag(flags: ReturnType<typeof parseFlags>): number | undefined {
  const raw = flags.values.get('refine');
  if (raw === undefined) return undefined;
  const v = parseNumber(raw, '--refine');
  if (v < 0) throw new UsageError(`--refine must be 0 or positive, got ${raw}`);
  return v;
}

function printTable(r: ToyResult, cfg: ToyConfig): void {
  const sym = r.family === 'diffusion' ? 'ζ' : 'τ';
  const keys = Object.keys(r.curves);
  const protocol =
    r.eval_knob === 'same'
      ? `each curve scored with its own ${sym}`
      : `every model scored with ${sym} = ${r.eval_knob}`;
  console.log(`\n${r.family} toy, seed ${cfg.seed} (${protocol}): base FID ${r.base_fid.toFixed(4)}`);
  console.log(['w'.padStart(7), ...keys.map((k) => `FID ${sym}=${k}`.padStart(14))].join(''));
  const ws = [...new Set(keys.flatMap((k) => Object.keys(r.curves[k].fid_by_w).map(Number)))].sort((a, b) => a - b);
  for (const w of ws) {
    const cells = keys.map((k) => {
      const c = r.curves[k];
      const v = c.fid_by_w[String(w)];
      return v === undefined ? ''.padStart(14) : `${v.toFixed(4)}${c.best_w === w ? '*' : ' '}`.padStart(14);
    });
    console.log([String(w).padStart(7), ...cells].join(''));
  }
  for (const k of keys) {
    const c = r.curves[k];
    console.log(
      `${sym}=${k}: best w ${c.best_w}, FID ${c.best_fid.toFixed(4)} (base ${c.base_fid.toFixed(4)}, ratio ${(c.best_fid / c.base_fid).toFixed(3)}); preconditioned cosine(g_real, g_syn) = ${r.cosine[k].toFixed(3)}`,
    );
  }
  console.log(`${r.seconds.toFixed(1)} s`);
}

async function writePlot(r: ToyResult, cfg: ToyConfig): Promise<string> {
  const dir = join(neonHome(), 'toy');
  await mkdir(dir, { recursive: true });
  const sym = r.family === 'diffusion' ? 'ζ' : 'τ';
  const svg = linePlotSvg(
    Object.entries(r.curves).map(([k, c]) => ({
      label: `${sym} = ${k}`,
      points: Object.entries(c.fid_by_w)
        .map(([w, f]) => [Number(w), f] as [number, number])
        .sort((a, b) => a[0] - b[0]),
      marker: [c.best_w, c.best_fid],
    })),
    {
      title: `Neon on the ${r.family} toy (seed ${cfg.seed}; scored with ${r.eval_knob === 'same' ? `the synthesis ${sym}` : `${sym} = ${r.eval_knob}`})`,
      xLabel: 'w',
      yLabel: 'Fréchet distance to the target',
      logY: true,
    },
  );
  const file = resolve(dir, `${r.family}-seed${cfg.seed}${r.eval_knob === 'same' ? '-same' : ''}.svg`);
  await writeFile(file, svg);
  return file;
}
