// A Neon run's configuration (zod-validated): the base model, synthesis, self-training, the sweep grid, and the
// selection and report seeds. Seeds are ranges of per-sample indices of one sampling stream (`seed`): sample i
// uses the generator of (seed, i), so ranges that do not overlap are disjoint seeds. Synthesis, selection and
// report ranges must be pairwise disjoint (the report FID is measured on seeds no decision has seen).
import { z } from 'zod';
import { samplerSettingsWire } from '../samplers/sampler-settings.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = z.number().int().positive();

/**
 * Upper bounds of every field: far above the paper's sizes, far below what would tie up a cluster for years. A
 * run's total work is also bounded by the snapshots it keeps and the trials its grid can make.
 */
export const RUN_LIMITS = {
  /** Samples in one seed range (synthesis, selection, report). */
  samples: 1_000_000,
  /** Sample indices below this (a seed range ends here at the latest). */
  index: 2 ** 40,
  seed: 2 ** 31 - 1,
  batch: 4096,
  steps: 1_000_000,
  /** Snapshots self-training keeps (steps / snapshot_every). */
  snapshots: 1000,
  grid: 64,
  w: 100,
  guidance: 100,
  samplerSteps: 1000,
} as const;

export const seedRangeSchema = z
  .object({
    /** The first sample index. */
    first: z.number().int().min(0).max(RUN_LIMITS.index),
    /** How many samples (indices first … first + count − 1). */
    count: positiveInt.max(RUN_LIMITS.samples),
  })
  .strict();
export type SeedRange = z.infer<typeof seedRangeSchema>;

/** Sampler settings in their one wire form (guidance_scale, steps, temperature, top_k); defaults: the model's. */
export const samplerSettingsSchema = samplerSettingsWire
  .extend({
    guidance_scale: finite.min(0).max(RUN_LIMITS.guidance).optional(),
    steps: positiveInt.max(RUN_LIMITS.samplerSteps).optional(),
    temperature: finite.positive().max(100).optional(),
    top_k: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

export const runConfigSchema = z
  .object({
    /** The sampling stream of every seed range below. */
    seed: z.number().int().min(0).max(RUN_LIMITS.seed).default(0),
    synthesis: z
      .object({
        /** Size of the synthetic set S. */
        n: positiveInt.max(RUN_LIMITS.samples),
        /** Sample indices of S (default: first 0, count n). */
        seeds: seedRangeSchema.optional(),
        sampler: samplerSettingsSchema.default({}),
        /** Samples per sampler call. */
        batch: positiveInt.max(RUN_LIMITS.batch).default(256),
      })
      .strict(),
    selftrain: z
      .object({
        steps: positiveInt.max(RUN_LIMITS.steps),
        lr: finite.positive().max(1),
        batch: positiveInt.max(RUN_LIMITS.batch),
        /** A snapshot θs(k) every this many steps (and at the last step). */
        snapshot_every: positiveInt.max(RUN_LIMITS.steps),
        /** The training noise / minibatch stream. */
        seed: z.number().int().min(0).max(RUN_LIMITS.seed).default(0),
      })
      .strict(),
    sweep: z
      .object({
        /** Snapshot steps to sweep (default: every snapshot). */
        snapshots: z.array(positiveInt).min(1).max(RUN_LIMITS.snapshots).optional(),
        w_grid: z.array(finite.min(-RUN_LIMITS.w).max(RUN_LIMITS.w)).min(1).max(RUN_LIMITS.grid),
        /** Guidance scales (default: the model's default guidance scale alone). */
        cfg_grid: z.array(finite.min(0).max(RUN_LIMITS.guidance)).min(1).max(RUN_LIMITS.grid).optional(),
        tolerance: finite.min(0).max(10).default(0.03),
        /** The stop margin relative to the line's best: a line stops above max(tolerance, tolerance_rel × best). */
        tolerance_rel: finite.min(0).max(1).default(0),
        /** Points a guidance line may add past either end of cfg_grid while its best sits at that end (0: none). */
        cfg_extend: z.number().int().min(0).max(20).default(0),
        refine_step: finite.min(0).max(RUN_LIMITS.w).default(0.1),
        /**
         * Multi-fidelity selection (shared/neon/multi-fidelity.ts): the whole procedure on the first rungs[0]
         * selection seeds, then only the contenders (within z·√2·σ of the best) on more seeds, up to the full count.
         * Absent: every trial on the full count.
         */
        fidelity: z
          .object({
            /** The lower rungs as shares of selection.seeds.count, ascending (each becomes an even count ≥ 4). */
            rungs: z.array(finite.gt(0).lt(1)).min(1).max(4),
            z: finite.positive().max(10).default(2.5),
            max_contenders: z.number().int().min(1).max(64).default(8),
          })
          .strict()
          .optional(),
        /** Sampler settings of every trial besides the guidance scale (default: the model's). */
        sampler: samplerSettingsSchema.omit({ guidance_scale: true }).strict().default({}),
        /** Samples per sampler call. */
        batch: positiveInt.max(RUN_LIMITS.batch).default(256),
      })
      .strict(),
    selection: z.object({ seeds: seedRangeSchema }).strict(),
    report: z.object({ seeds: seedRangeSchema }).strict(),
    /**
     * Register the chosen point as `<model>@neon-<run>` and move `<model>@neon` to it — when it improves on the base
     * (w* ≠ 0); a run that chooses w = 0 reports "no improvement" and registers nothing unless this is "always".
     */
    promote: z.union([z.boolean(), z.literal('always')]).default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ranges: [string, SeedRange][] = [
      ['synthesis.seeds', c.synthesis.seeds ?? { first: 0, count: c.synthesis.n }],
      ['selection.seeds', c.selection.seeds],
      ['report.seeds', c.report.seeds],
    ];
    if (c.synthesis.seeds && c.synthesis.seeds.count !== c.synthesis.n) {
      ctx.addIssue({
        code: 'custom',
        path: ['synthesis', 'seeds', 'count'],
        message: `must equal synthesis.n (${c.synthesis.n})`,
      });
    }
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) {
        const [na, a] = ranges[i];
        const [nb, b] = ranges[j];
        if (overlaps(a, b))
          ctx.addIssue({
            code: 'custom',
            path: nb.split('.'),
            message: `overlaps ${na}: seed ranges must be disjoint`,
          });
      }
    }
    if (Math.ceil(c.selftrain.steps / c.selftrain.snapshot_every) > RUN_LIMITS.snapshots) {
      ctx.addIssue({
        code: 'custom',
        path: ['selftrain', 'snapshot_every'],
        message: `keeps more than ${RUN_LIMITS.snapshots} snapshots of ${c.selftrain.steps} steps; take one less often`,
      });
    }
    const rungs = c.sweep.fidelity?.rungs ?? [];
    for (let i = 1; i < rungs.length; i++) {
      if (rungs[i] <= rungs[i - 1])
        ctx.addIssue({ code: 'custom', path: ['sweep', 'fidelity', 'rungs', i], message: 'rungs must be ascending' });
    }
    if (rungs.length > 0 && rungCounts(c.selection.seeds.count, rungs).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sweep', 'fidelity', 'rungs'],
        message: `no rung of at least 4 seeds fits below selection.seeds.count (${c.selection.seeds.count})`,
      });
    }
    if (!c.sweep.w_grid.some((w) => w > 0))
      ctx.addIssue({ code: 'custom', path: ['sweep', 'w_grid'], message: 'needs at least one w > 0' });
    for (const s of c.sweep.snapshots ?? []) {
      if (!snapshotSteps(c.selftrain.steps, c.selftrain.snapshot_every).includes(s)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sweep', 'snapshots'],
          message: `${s} is not a snapshot step (every ${c.selftrain.snapshot_every} up to ${c.selftrain.steps})`,
        });
      }
    }
  });

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** The sample counts of the lower rungs: each share of n as an even count ≥ 4, below n, ascending, distinct. */
export function rungCounts(n: number, shares: readonly number[]): number[] {
  const out: number[] = [];
  for (const f of shares) {
    const k = Math.max(4, 2 * Math.round((n * f) / 2));
    if (k < n && (out.length === 0 || k > out[out.length - 1])) out.push(k);
  }
  return out;
}

function overlaps(a: SeedRange, b: SeedRange): boolean {
  return a.first < b.first + b.count && b.first < a.first + a.count;
}

/** The steps at which self-training keeps a snapshot: every `every` steps, and the last one. */
export function snapshotSteps(steps: number, every: number): number[] {
  const out: number[] = [];
  for (let s = every; s <= steps; s += every) out.push(s);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

export function synthesisSeeds(c: RunConfig): SeedRange {
  return c.synthesis.seeds ?? { first: 0, count: c.synthesis.n };
}

/** [first, last] of a range, as the run's JSON reports it. */
export function seedBounds(r: SeedRange): [number, number] {
  return [r.first, r.first + r.count - 1];
}

export const PRESETS = ['smoke', 'default', 'paper'] as const;
export type PresetName = (typeof PRESETS)[number];

/**
 * What every preset selects with (docs/PIPELINE.md): the official absolute tolerance and ±0.1 refinement, a stop
 * margin of at least 1% of the line's best (at FIDs of 100 and more, 0.03 is far below the sampling noise), and
 * guidance lines that go past the grid's ends while their best sits there (up to 4 points per end).
 */
const HONEST_SELECTION = { tolerance: 0.03, tolerance_rel: 0.01, refine_step: 0.1, cfg_extend: 4 } as const;

/**
 * The guidance grid of a preset when the config names none: five scales from 1 (no guidance) to the model's
 * default g when g > 1, else g × {0.5, 0.75, 1, 1.25, 1.5}; the lines extend past its ends (cfg_extend).
 */
export function guidanceGrid(g: number): number[] {
  const grid = g > 1 ? [0, 1, 2, 3, 4].map((k) => 1 + ((g - 1) * k) / 4) : [0.5, 0.75, 1, 1.25, 1.5].map((k) => g * k);
  return grid.map((c) => Math.round(c * 1e6) / 1e6);
}

/**
 * The presets, before the model's defaults fill the gaps (cfg grid, sampler settings).
 *  - smoke: minutes on a laptop CPU, for tests and a first look;
 *  - default: the sizes behind docs/RESULTS.md;
 *  - paper: the paper's sizes (EDM CIFAR-10: |S| = 6k; official selection 10k and report 50k images; w grid 0–3).
 * Each selects over a guidance grid (guidanceGrid) with multi-fidelity selection: the procedure on 1/8 (smoke: 1/4)
 * of the selection seeds, then the contenders on all of them.
 */
export function preset(name: PresetName): RunConfigInput {
  switch (name) {
    case 'smoke':
      return {
        synthesis: { n: 512, seeds: { first: 0, count: 512 }, batch: 256 },
        selftrain: { steps: 40, lr: 1e-4, batch: 64, snapshot_every: 20 },
        sweep: { w_grid: [0, 0.5, 1, 1.5, 2, 3], ...HONEST_SELECTION, fidelity: { rungs: [0.25] }, batch: 256 },
        selection: { seeds: { first: 100_000, count: 512 } },
        report: { seeds: { first: 200_000, count: 1024 } },
      };
    case 'default':
      return {
        synthesis: { n: 6000, seeds: { first: 0, count: 6000 }, batch: 500 },
        selftrain: { steps: 300, lr: 1e-4, batch: 128, snapshot_every: 100 },
        sweep: {
          w_grid: [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3],
          ...HONEST_SELECTION,
          fidelity: { rungs: [0.12] },
          batch: 500,
        },
        selection: { seeds: { first: 100_000, count: 5000 } },
        report: { seeds: { first: 200_000, count: 10_000 } },
      };
    case 'paper':
      return {
        synthesis: { n: 6000, seeds: { first: 0, count: 6000 }, batch: 500 },
        selftrain: { steps: 2000, lr: 1e-4, batch: 256, snapshot_every: 500 },
        sweep: {
          w_grid: [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3],
          ...HONEST_SELECTION,
          fidelity: { rungs: [0.125] },
          batch: 500,
        },
        selection: { seeds: { first: 100_000, count: 10_000 } },
        report: { seeds: { first: 200_000, count: 50_000 } },
      };
  }
}

/** Deep-merges plain objects (arrays and scalars of `over` replace). */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge((base as Record<string, unknown>)[k], v);
  return out as T;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export class RunConfigError extends Error {
  override name = 'RunConfigError';
  constructor(
    message: string,
    readonly path: string | null,
  ) {
    super(message);
  }
}

/** A preset with overrides, validated; the error names the first offending field. */
export function resolveRunConfig(name: PresetName, overrides?: unknown): RunConfig {
  const r = runConfigSchema.safeParse(deepMerge(preset(name), overrides));
  if (!r.success) {
    const issue = r.error.issues[0];
    // an unknown field is named by its own path (`selftrain.step`), not its parent's
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const parts = [...issue.path, ...keys.slice(0, 1)];
    const path = parts.length > 0 ? parts.join('.') : null;
    throw new RunConfigError(`${path ?? 'config'}: ${keys.length > 0 ? 'unknown field' : issue.message}`, path);
  }
  return r.data;
}
