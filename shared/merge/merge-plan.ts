// Which tensors the merge computes, copies or leaves out, decided from the two inputs' tensor lists alone.
// Float tensors (F64, F32, F16, BF16) present in both with the same dtype and shape are merged; non-float ones
// keep the base's bytes. A tensor missing on either side, or a dtype or shape mismatch, is an error naming the
// tensor unless a policy says otherwise.
import { isArithmeticDtype, type Dtype, type FloatDtype } from '../safetensors/dtype.ts';
import { MergeError } from './merge-error.ts';
import { compileRules, wFor, type WRule } from './w-rules.ts';

export interface TensorDesc {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
  byteLength: number;
}

export type MissingPolicy = 'error' | 'keep-base' | 'skip';
export type MismatchPolicy = 'error' | 'keep-base';

export interface MergePolicies {
  /** A tensor in one input only. keep-base: the base's tensor is written unchanged; skip: it is left out. */
  onMissing: MissingPolicy;
  /** The same name with another dtype or shape. keep-base: the base's tensor is written unchanged. */
  onMismatch: MismatchPolicy;
}

export const DEFAULT_POLICIES: MergePolicies = { onMissing: 'error', onMismatch: 'error' };

export interface PlanEntry {
  tensor: TensorDesc;
  action: 'merge' | 'copy';
  /** For 'merge': the dtype computed in and the w of each output. */
  dtype?: FloatDtype;
  ws: number[];
  /** Why a tensor is copied rather than merged. */
  reason?: string;
}

export interface MergePlan {
  /** The output's tensors, in the base's order. */
  entries: PlanEntry[];
  /** Tensors left out of the output, and why. */
  skipped: { name: string; reason: string }[];
}

const fmtShape = (s: readonly number[]) => `[${s.join(', ')}]`;

export function planMerge(
  base: readonly TensorDesc[],
  self: ReadonlyMap<string, TensorDesc>,
  globalWs: readonly number[],
  rules: readonly WRule[] = [],
  policies: MergePolicies = DEFAULT_POLICIES,
): MergePlan {
  const compiled = compileRules(rules);
  const entries: PlanEntry[] = [];
  const skipped: MergePlan['skipped'] = [];
  const baseNames = new Set<string>();
  for (const b of base) {
    baseNames.add(b.name);
    const s = self.get(b.name);
    if (!s) {
      if (policies.onMissing === 'error')
        throw new MergeError(
          'missing_tensor',
          `tensor '${b.name}' is in the base but not in the self-trained checkpoint (policy on-missing=error)`,
          b.name,
        );
      if (policies.onMissing === 'skip') skipped.push({ name: b.name, reason: 'missing from self' });
      else entries.push({ tensor: b, action: 'copy', ws: [], reason: 'missing from self' });
      continue;
    }
    const mismatch =
      s.dtype !== b.dtype
        ? `dtype ${b.dtype} in the base but ${s.dtype} in self`
        : s.shape.length !== b.shape.length || s.shape.some((d, i) => d !== b.shape[i])
          ? `shape ${fmtShape(b.shape)} in the base but ${fmtShape(s.shape)} in self`
          : undefined;
    if (mismatch) {
      if (policies.onMismatch === 'error') {
        throw new MergeError(
          s.dtype !== b.dtype ? 'dtype_mismatch' : 'shape_mismatch',
          `tensor '${b.name}': ${mismatch} (policy on-mismatch=error)`,
          b.name,
        );
      }
      entries.push({ tensor: b, action: 'copy', ws: [], reason: mismatch });
      continue;
    }
    if (!isArithmeticDtype(b.dtype)) {
      entries.push({ tensor: b, action: 'copy', ws: [], reason: `non-float dtype ${b.dtype}` });
      continue;
    }
    entries.push({ tensor: b, action: 'merge', dtype: b.dtype, ws: globalWs.map((w) => wFor(b.name, w, compiled).w) });
  }
  for (const name of self.keys()) {
    if (baseNames.has(name)) continue;
    if (policies.onMissing === 'error')
      throw new MergeError(
        'missing_tensor',
        `tensor '${name}' is in the self-trained checkpoint but not in the base (policy on-missing=error)`,
        name,
      );
    skipped.push({ name, reason: 'missing from base' });
  }
  return { entries, skipped };
}
