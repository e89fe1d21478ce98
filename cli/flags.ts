// Command-line flags: `--name value`, `--name=value`, repeated flags, booleans, and positionals.
// Bad input throws UsageError, which the command line turns into exit code 2 and a one-line message.
import { didYouMeanSuffix } from '../shared/text/did-you-mean.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Flags that take no value. */
  boolean?: readonly string[];
  /** Flags that take a value (the last one wins unless listed in `repeated`). */
  string?: readonly string[];
  /** Value flags that may be given several times; their values are collected in order. */
  repeated?: readonly string[];
}

export interface ParsedFlags {
  positionals: string[];
  values: Map<string, string>;
  lists: Map<string, string[]>;
  booleans: Set<string>;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const booleans = new Set(spec.boolean ?? []);
  const repeated = new Set(spec.repeated ?? []);
  const valued = new Set([...(spec.string ?? []), ...repeated]);
  const out: ParsedFlags = { positionals: [], values: new Map(), lists: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (booleans.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.booleans.add(name);
      continue;
    }
    if (!valued.has(name))
      throw new UsageError(
        `unknown flag --${name}${didYouMeanSuffix(name, [...booleans, ...valued], (f) => `--${f}`)}`,
      );
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2))
        throw new UsageError(`--${name} needs a value`);
      i++;
    }
    if (repeated.has(name)) out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
    else out.values.set(name, value);
  }
  return out;
}

/** An integer flag; `undefined` when absent. */
export function intFlag(
  flags: ParsedFlags,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be an integer, got '${raw}'`);
  const v = Number(raw);
  if (!Number.isSafeInteger(v)) throw new UsageError(`--${name} is out of range: '${raw}'`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${v}`);
  return v;
}

/** A finite number. */
export function parseNumber(raw: string, what: string): number {
  const s = raw.trim();
  if (s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s))
    throw new UsageError(`${what} must be a number, got '${raw}'`);
  return Number(s);
}

/** A comma-separated list of numbers, e.g. `0.9,1.1`. */
export function numberListFlag(flags: ParsedFlags, name: string): number[] | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  const parts = raw.split(',');
  if (parts.some((p) => p.trim() === ''))
    throw new UsageError(`--${name} must be a comma-separated list of numbers, got '${raw}'`);
  return parts.map((p) => parseNumber(p, `--${name}`));
}

/**
 * A grid: `start:stop:step` (inclusive of stop, up to rounding) or a comma-separated list.
 * Values are rounded to 10 decimals so that `-2:2:0.25` gives exactly -2, -1.75, ..., 2.
 */
export function gridFlag(flags: ParsedFlags, name: string): number[] | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  if (!raw.includes(':')) return numberListFlag(flags, name);
  const parts = raw.split(':');
  if (parts.length !== 3) throw new UsageError(`--${name} must be start:stop:step, got '${raw}'`);
  const [start, stop, step] = parts.map((p) => parseNumber(p, `--${name}`));
  if (!(step > 0)) throw new UsageError(`--${name} step must be positive, got '${raw}'`);
  if (stop < start) throw new UsageError(`--${name} stop must not be below start, got '${raw}'`);
  const n = Math.floor((stop - start) / step + 1e-9) + 1;
  if (n > 10_000) throw new UsageError(`--${name} has too many points (${n}), at most 10000`);
  return Array.from({ length: n }, (_, i) => Math.round((start + i * step) * 1e10) / 1e10);
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(flags: ParsedFlags, name: string, choices: readonly T[]): T | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${name} must be one of ${choices.join('|')}, got '${raw}'`);
  return raw as T;
}
