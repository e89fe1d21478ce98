// Learning rate at a step: linear warm-up over `warmup` steps, then constant or cosine decay to `minFrac`·lr
// (Loshchilov & Hutter 2017).

export interface LrSchedule {
  lr: number;
  warmup?: number;
  kind?: 'constant' | 'cosine';
  minFrac?: number;
}

export function lrAt(step: number, totalSteps: number, s: LrSchedule): number {
  const warm = s.warmup ?? 0;
  if (step < warm) return (s.lr * (step + 1)) / warm;
  if (s.kind !== 'cosine') return s.lr;
  const p = (step - warm) / Math.max(1, totalSteps - warm);
  const lo = s.lr * (s.minFrac ?? 0);
  return lo + 0.5 * (s.lr - lo) * (1 + Math.cos(Math.PI * Math.min(1, p)));
}
