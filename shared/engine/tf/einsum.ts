// Einsum as transposes, reductions and one batched matrix product per pair of operands (native speed, and
// tfjs differentiates it; tfjs's own einsum has no gradient). Supports explicit and implicit outputs, "...",
// any number of operands (folded left to right); a label repeated within one operand (a diagonal) is not supported.
import { attrString, input, one, type OpImpl, type Tensor } from './op-context.ts';
import type { TF } from './tf-backend.ts';

export interface EinsumPlan {
  inputs: string[][];
  output: string[];
}

/** Parses an equation for operands of the given ranks; "..." becomes labels '0', '1', … (one per broadcast axis). */
export function parseEinsum(equation: string, ranks: number[]): EinsumPlan {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== ranks.length)
    throw new Error(`Einsum '${equation}': ${terms.length} terms for ${ranks.length} operands`);
  const ellipsisRanks = terms.map((t, i) => (t.includes('...') ? ranks[i] - t.replace('...', '').length : 0));
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  const inputs = terms.map((t, i) => {
    if (!t.includes('...')) {
      if (t.length !== ranks[i])
        throw new Error(`Einsum '${equation}': term '${t}' for an operand of rank ${ranks[i]}`);
      return t.split('');
    }
    const n = ellipsisRanks[i];
    const [before, after] = t.split('...');
    // broadcast axes align from the right, as in numpy
    return [
      ...before.split(''),
      ...Array.from({ length: n }, (_, k) => String(ellipsisRank - n + k)),
      ...after.split(''),
    ];
  });
  const ell = Array.from({ length: ellipsisRank }, (_, k) => String(k));
  for (const labels of inputs) {
    const seen = new Set<string>();
    for (const l of labels) {
      if (seen.has(l))
        throw new Error(`Einsum '${equation}': repeated label '${l}' within one operand (a diagonal) is not supported`);
      seen.add(l);
    }
  }
  let output: string[];
  if (rhs !== undefined) {
    const [before, after] = rhs.includes('...') ? rhs.split('...') : [rhs, ''];
    output = [
      ...before.split('').filter(Boolean),
      ...(rhs.includes('...') ? ell : []),
      ...after.split('').filter(Boolean),
    ];
  } else {
    const counts = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) if (!ell.includes(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [
      ...ell,
      ...[...counts]
        .filter(([, c]) => c === 1)
        .map(([l]) => l)
        .sort(),
    ];
  }
  return { inputs, output };
}

interface Operand {
  t: Tensor;
  labels: string[];
}

/** Sums the axes whose labels are not in `keep`. */
function sumOut(tf: TF, o: Operand, keep: Set<string>): Operand {
  const axes = o.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (axes.length === 0) return o;
  return { t: tf.sum(o.t, axes), labels: o.labels.filter((l) => keep.has(l)) };
}

function permuteTo(tf: TF, o: Operand, order: string[]): Tensor {
  const perm = order.map((l) => o.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? o.t : tf.transpose(o.t, perm);
}

/** The product of two operands keeping the labels in `keep`. */
function contractPair(tf: TF, a0: Operand, b0: Operand, keep: Set<string>): Operand {
  const inB = new Set(b0.labels);
  const inA = new Set(a0.labels);
  const a = sumOut(tf, a0, new Set([...a0.labels].filter((l) => keep.has(l) || inB.has(l))));
  const b = sumOut(tf, b0, new Set([...b0.labels].filter((l) => keep.has(l) || inA.has(l))));
  const batch = a.labels.filter((l) => b.labels.includes(l) && keep.has(l));
  const contract = a.labels.filter((l) => b.labels.includes(l) && !keep.has(l));
  const aFree = a.labels.filter((l) => !b.labels.includes(l));
  const bFree = b.labels.filter((l) => !a.labels.includes(l));
  const size = (o: Operand, l: string) => o.t.shape[o.labels.indexOf(l)];
  // broadcast batch axes of size 1 against the other operand's
  const batchSizes = batch.map((l) => Math.max(size(a, l), size(b, l)));
  const prodOf = (ls: string[], o: Operand) => ls.reduce((p, l) => p * size(o, l), 1);
  const nb = batchSizes.reduce((p, s) => p * s, 1);
  const k = prodOf(contract, a);
  let at = permuteTo(tf, a, [...batch, ...aFree, ...contract]);
  let bt = permuteTo(tf, b, [...batch, ...contract, ...bFree]);
  at = tf.broadcastTo(at, [...batchSizes, ...at.shape.slice(batch.length)]);
  bt = tf.broadcastTo(bt, [...batchSizes, ...bt.shape.slice(batch.length)]);
  const fa = prodOf(aFree, a);
  const fb = prodOf(bFree, b);
  const y =
    nb === 1
      ? tf.matMul(tf.reshape(at, [fa, k]), tf.reshape(bt, [k, fb]))
      : tf.matMul(tf.reshape(at, [nb, fa, k]), tf.reshape(bt, [nb, k, fb]));
  const shape = [...batchSizes, ...aFree.map((l) => size(a, l)), ...bFree.map((l) => size(b, l))];
  return { t: tf.reshape(y, shape), labels: [...batch, ...aFree, ...bFree] };
}

export function einsum(tf: TF, equation: string, tensors: Tensor[]): Tensor {
  const plan = parseEinsum(
    equation,
    tensors.map((t) => t.rank),
  );
  const ops: Operand[] = tensors.map((t, i) => ({ t, labels: plan.inputs[i] }));
  let acc = ops[0];
  for (let i = 1; i < ops.length; i++) {
    const later = new Set([...plan.output, ...ops.slice(i + 1).flatMap((o) => o.labels)]);
    acc = contractPair(tf, acc, ops[i], later);
  }
  acc = sumOut(tf, acc, new Set(plan.output));
  return permuteTo(tf, acc, plan.output);
}

export const EINSUM_OPS: Record<string, OpImpl> = {
  Einsum: (ctx) =>
    one(
      einsum(
        ctx.tf,
        attrString(ctx.node, 'equation', ''),
        ctx.inputs.map((_, i) => input(ctx, i)),
      ),
    ),
};
