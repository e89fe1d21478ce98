// The arithmetic of convolution windows: explicit pads from ONNX's auto_pad, output sizes, and the
// ConvTranspose output padding that makes a transposed convolution the exact adjoint of a convolution.

export type AutoPad = 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';

export interface ConvWindow {
  /** spatial kernel size per axis */
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin_0, begin_1, …, end_0, end_1, …] as ONNX orders them */
  pads: number[];
}

const effective = (k: number, d: number) => (k - 1) * d + 1;

/** Explicit pads of a Conv (or pooling) window over `spatial` input sizes. */
export function convPads(
  spatial: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  autoPad: AutoPad,
  pads: number[] | undefined,
): number[] {
  const r = spatial.length;
  if (autoPad === 'NOTSET') return pads && pads.length > 0 ? pads : new Array<number>(2 * r).fill(0);
  if (autoPad === 'VALID') return new Array<number>(2 * r).fill(0);
  const out = new Array<number>(2 * r);
  for (let i = 0; i < r; i++) {
    const o = Math.ceil(spatial[i] / strides[i]);
    const total = Math.max((o - 1) * strides[i] + effective(kernel[i], dilations[i]) - spatial[i], 0);
    const small = Math.floor(total / 2);
    out[i] = autoPad === 'SAME_UPPER' ? small : total - small;
    out[i + r] = total - out[i];
  }
  return out;
}

/** Output sizes of a Conv window (floor), or of a pooling window with ceil_mode. */
export function convOutput(spatial: number[], w: ConvWindow, ceil = false): number[] {
  const r = spatial.length;
  return spatial.map((s, i) => {
    const span = s + w.pads[i] + w.pads[i + r] - effective(w.kernel[i], w.dilations[i]);
    let o = (ceil ? Math.ceil(span / w.strides[i]) : Math.floor(span / w.strides[i])) + 1;
    // with ceil_mode the last window must start inside the input or its begin padding
    if (ceil && (o - 1) * w.strides[i] >= s + w.pads[i]) o--;
    return o;
  });
}

/** Explicit pads of a ConvTranspose: from auto_pad SAME_* the output is input·stride. */
export function convTransposePads(
  spatial: number[],
  w: Omit<ConvWindow, 'pads'>,
  outputPadding: number[],
  autoPad: AutoPad,
  pads: number[] | undefined,
): number[] {
  const r = spatial.length;
  if (autoPad === 'NOTSET') return pads && pads.length > 0 ? pads : new Array<number>(2 * r).fill(0);
  if (autoPad === 'VALID') return new Array<number>(2 * r).fill(0);
  const out = new Array<number>(2 * r);
  for (let i = 0; i < r; i++) {
    const total = Math.max(
      w.strides[i] * (spatial[i] - 1) +
        outputPadding[i] +
        effective(w.kernel[i], w.dilations[i]) -
        spatial[i] * w.strides[i],
      0,
    );
    const half = Math.floor(total / 2);
    out[i] = autoPad === 'SAME_UPPER' ? half : total - half;
    out[i + r] = total - out[i];
  }
  return out;
}

/** Output sizes of a ConvTranspose. */
export function convTransposeOutput(spatial: number[], w: ConvWindow, outputPadding: number[]): number[] {
  const r = spatial.length;
  return spatial.map(
    (s, i) =>
      w.strides[i] * (s - 1) + outputPadding[i] + effective(w.kernel[i], w.dilations[i]) - w.pads[i] - w.pads[i + r],
  );
}

/**
 * The output padding that makes ConvTranspose(dy) as large as the convolution's input `spatial`: the input
 * elements past the last window, which the forward convolution never read.
 */
export function adjointOutputPadding(spatial: number[], outSpatial: number[], w: ConvWindow): number[] {
  const r = spatial.length;
  return spatial.map(
    (s, i) =>
      s + w.pads[i] + w.pads[i + r] - effective(w.kernel[i], w.dilations[i]) - (outSpatial[i] - 1) * w.strides[i],
  );
}
