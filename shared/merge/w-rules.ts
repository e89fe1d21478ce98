// Per-tensor w for block-wise Neon: ordered rules `REGEX=W`, the first whose regular expression matches the
// tensor's name (anywhere in it; anchor with ^…$ for a whole-name match) gives its w; the global w otherwise.
// W is a number (the same for every output of a w grid) or a multiple of the global w: `w`, `0.5w`, `-1w`.
import { MergeError } from './merge-error.ts';

export interface WRule {
  pattern: string;
  /** A fixed w, or `{ scale }` for scale × the global w. */
  w: number | { scale: number };
}

interface CompiledRule {
  re: RegExp;
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
  else if (/w$/i.test(value) && (value.length === 1 || NUM.test(value.slice(0, -1)))) w = { scale: value.length === 1 ? 1 : Number(value.slice(0, -1)) };
  else throw new MergeError('invalid_rule', `rule '${text}': W must be a number or a multiple of w (e.g. 0.5w), got '${value}'`);
  compileRules([{ pattern, w }]);
  return { pattern, w };
}

export function formatWRule(r: WRule): string {
  return `${r.pattern}=${typeof r.w === 'number' ? r.w : `${r.w.scale}w`}`;
}

export function compileRules(rules: readonly WRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const w = typeof rule.w === 'number' ? rule.w : rule.w.scale;
    if (!Number.isFinite(w)) throw new MergeError('invalid_rule', `rule '${rule.pattern}': w must be finite`);
    try {
      return { re: new RegExp(rule.pattern, 'u'), rule };
    } catch (err) {
      throw new MergeError('invalid_rule', `rule '${rule.pattern}': not a valid regular expression (${(err as Error).message})`);
    }
  });
}

/** The w for tensor `name` in the output whose global w is `globalW`; also which rule decided (-1: none). */
export function wFor(name: string, globalW: number, rules: readonly CompiledRule[]): { w: number; rule: number } {
  for (let i = 0; i < rules.length; i++) {
    if (rules[i].re.test(name)) {
      const v = rules[i].rule.w;
      return { w: typeof v === 'number' ? v : v.scale * globalW, rule: i };
    }
  }
  return { w: globalW, rule: -1 };
}
