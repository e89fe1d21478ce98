// Per-tensor w for block-wise Neon: ordered rules `REGEX=W`, the first whose regular expression matches the
// tensor's name (anywhere in it; anchor with ^…$ for a whole-name match) gives its w; the global w otherwise.
// W is a number (the same for every output of a w grid) or a multiple of the global w: `w`, `0.5w`, `-1w`.
// Patterns are RE2 syntax, matched in linear time (re2js): rules arrive over HTTP, and a backtracking engine let
// `^(.*.*.*…)Z$` hold the event loop for 49 s. RE2 has no lookaround or backreferences.
import { RE2JS } from 're2js';
import { MergeError } from './merge-error.ts';

/** The longest pattern a rule may have. */
export const MAX_RULE_PATTERN = 1000;

export interface WRule {
  pattern: string;
  /** A fixed w, or `{ scale }` for scale × the global w. */
  w: number | { scale: number };
}

interface CompiledRule {
  re: RE2JS;
  rule: WRule;
}

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses `REGEX=W` (split at the last '=', so the pattern may contain '='). */
export function parseWRule(text: string): WRule {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new MergeError('invalid_rule', `rule '${text}' must be REGEX=W`);
  const pattern = text.slice(0, eq);
  const value = text.slice(eq + 1).trim();
  let w: WRule['w'];
  if (NUM.test(value)) w = Number(value);
  else if (/w$/i.test(value) && (value.length === 1 || NUM.test(value.slice(0, -1))))
    w = { scale: value.length === 1 ? 1 : Number(value.slice(0, -1)) };
  else
    throw new MergeError(
      'invalid_rule',
      `rule '${text}': W must be a number or a multiple of w (e.g. 0.5w), got '${value}'`,
    );
  compileRules([{ pattern, w }]);
  return { pattern, w };
}

export function formatWRule(r: WRule): string {
  return `${r.pattern}=${typeof r.w === 'number' ? r.w : `${r.w.scale}w`}`;
}

export function compileRules(rules: readonly WRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const w = typeof rule.w === 'number' ? rule.w : rule.w.scale;
    const shown = rule.pattern.length > 100 ? `${rule.pattern.slice(0, 100)}…` : rule.pattern;
    if (!Number.isFinite(w)) throw new MergeError('invalid_rule', `rule '${shown}': w must be finite`);
    if (rule.pattern.length > MAX_RULE_PATTERN)
      throw new MergeError(
        'invalid_rule',
        `rule '${shown}': the pattern is longer than ${MAX_RULE_PATTERN} characters`,
      );
    if (rule.pattern.includes('\0'))
      throw new MergeError(
        'invalid_rule',
        `rule '${shown.replaceAll('\0', '\\0')}': the pattern contains a NUL character`,
      );
    try {
      return { re: RE2JS.compile(rule.pattern), rule };
    } catch (err) {
      throw new MergeError(
        'invalid_rule',
        `rule '${shown}': not a valid regular expression (RE2 syntax: ${(err as Error).message.slice(0, 200)})`,
      );
    }
  });
}

/** The w for tensor `name` in the output whose global w is `globalW`; also which rule decided (-1: none). */
export function wFor(name: string, globalW: number, rules: readonly CompiledRule[]): { w: number; rule: number } {
  for (let i = 0; i < rules.length; i++) {
    if (rules[i].re.matcher(name).find()) {
      const v = rules[i].rule.w;
      return { w: typeof v === 'number' ? v : v.scale * globalW, rule: i };
    }
  }
  return { w: globalW, rule: -1 };
}
