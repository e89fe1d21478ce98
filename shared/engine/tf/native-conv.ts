// Convolutions as native tfjs kernels: onnxruntime's own Conv and ConvTranspose (MLAS, every core) run the
// forward product and both backward products, called synchronously on tfjs's buffers. tfjs keeps the autodiff
// through the gradients registered here; tfjs-wasm itself has no filter-gradient kernel at all.
//
//   NeonConv(x, w)            y = Conv(x, w)                     (NCHW…, weights [M, C/group, k…])
//   NeonConvTranspose(x, w)   y = ConvTranspose(x, w)            (weights [C, M/group, k…])
//   NeonConvFilterGrad(x, g)  ∂⟨g, Conv(x, w)⟩/∂w                 (one matrix product per kernel offset)
//
// d/dx Conv = ConvTranspose(g, w) with the output padding that restores x's size; d/dw Conv = FilterGrad(x, g).
// ConvTranspose is Conv's adjoint, so d/dx ConvTranspose = Conv(g, w) and d/dw ConvTranspose = FilterGrad(g, x).
import { availableParallelism } from 'node:os';
import type * as tfc from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { adjointOutputPadding } from './conv-geometry.ts';
import { readFloats, writeOutput } from './kernel-io.ts';
import { loadSyncSession, ort, runSync, type SyncSession } from './native-session.ts';

type TF = typeof tfc;

/** A convolution's window attributes, as the kernels take them (explicit pads). */
export interface ConvAttrs {
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
}

interface TransposeAttrs extends ConvAttrs {
  outputPadding: number[];
}

interface FilterGradAttrs extends ConvAttrs {
  kernelShape: number[];
}

export const CONV_KERNEL = 'NeonConv';
export const CONV_TRANSPOSE_KERNEL = 'NeonConvTranspose';
export const CONV_FILTER_GRAD_KERNEL = 'NeonConvFilterGrad';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function convModel(rank: number, a: ConvAttrs) {
  const g = new GraphBuilder('conv');
  const x = g.input('x', ['n', 'c', ...range(rank - 2).map((i) => `s${i}`)]);
  const w = g.input('w', ['m', 'cg', ...range(rank - 2).map((i) => `k${i}`)]);
  g.output(g.op('Conv', [x, w], { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group }));
  return g.build();
}

function convTransposeModel(rank: number, a: TransposeAttrs) {
  const g = new GraphBuilder('conv-transpose');
  const x = g.input('x', ['n', 'c', ...range(rank - 2).map((i) => `s${i}`)]);
  const w = g.input('w', ['c', 'mg', ...range(rank - 2).map((i) => `k${i}`)]);
  g.output(
    g.op('ConvTranspose', [x, w], {
      strides: a.strides,
      pads: a.pads,
      dilations: a.dilations,
      group: a.group,
      output_padding: a.outputPadding,
    }),
  );
  return g.build();
}

/**
 * dW[m, c, k] = Σ_n,o g[n, m, o] · xpad[n, c, k·dilation + o·stride]: one matrix product per kernel offset k,
 * of g [M, N·O] by the strided view of the padded input at that offset [C, N·O] (per group). Measured at 3×3,
 * 64 channels, 32×32, batch 64: about 2.7× faster than expressing dW as one convolution of x by g, whose
 * output is only the kernel's 3×3 (a matrix product 9 columns wide).
 */
function filterGradModel(xShape: number[], gShape: number[], a: FilterGradAttrs) {
  const r = xShape.length - 2;
  const [n, c] = xShape;
  const m = gShape[1];
  const out = gShape.slice(2);
  const grp = a.group;
  const [cg, mg] = [c / grp, m / grp];
  const no = n * out.reduce((p, d) => p * d, 1);
  const b = new GraphBuilder('conv-filter-grad');
  const x = b.input('x', xShape);
  const gy = b.input('g', gShape);
  const spatial = range(r, 2);
  const padded = a.pads.some((p) => p > 0)
    ? b.op('Pad', [x, b.constInt64([0, 0, ...a.pads.slice(0, r), 0, 0, ...a.pads.slice(r)])])
    : x;
  // channels first: [C, N, S…], so that a spatial view reshapes to [C, N·O] without another copy
  const xt = b.op('Transpose', [padded], { perm: [1, 0, ...spatial] });
  const gt = b.op('Reshape', [
    b.op('Transpose', [gy], { perm: [1, 0, ...spatial] }),
    b.constInt64(grp === 1 ? [m, no] : [grp, mg, no]),
  ]);
  const parts: string[] = [];
  let offsets: number[][] = [[]];
  for (let i = 0; i < r; i++)
    offsets = offsets.flatMap((o) => range(a.kernelShape[i]).map((k) => [...o, k * a.dilations[i]]));
  for (const off of offsets) {
    const ends = off.map((o, i) => o + (out[i] - 1) * a.strides[i] + 1);
    const view = b.op('Slice', [
      xt,
      b.constInt64(off),
      b.constInt64(ends),
      b.constInt64(spatial),
      b.constInt64(a.strides),
    ]);
    const part =
      grp === 1
        ? b.op('Gemm', [gt, b.op('Reshape', [view, b.constInt64([c, no])])], { transB: 1 })
        : b.op('MatMul', [
            gt,
            b.op('Transpose', [b.op('Reshape', [view, b.constInt64([grp, cg, no])])], { perm: [0, 2, 1] }),
          ]);
    parts.push(b.op('Reshape', [part, b.constInt64([m, cg, 1])]));
  }
  const dw = parts.length === 1 ? parts[0] : b.op('Concat', parts, { axis: 2 });
  b.output(b.op('Reshape', [dw, b.constInt64([m, cg, ...a.kernelShape])]));
  return b.build();
}

class SessionCache {
  private readonly sessions = new Map<string, SyncSession>();
  constructor(private readonly threads: number) {}
  get(key: string, build: () => ReturnType<GraphBuilder['build']>): SyncSession {
    let s = this.sessions.get(key);
    if (!s) {
      // 'extended', not 'all': the NCHWc layout that 'all' picks reorders every input and output of a one-node
      // session (measured: forward 3×3 convolutions at batch 64 ran about 1.5–2× slower with it)
      s = loadSyncSession(build(), this.threads, 'extended');
      this.sessions.set(key, s);
    }
    return s;
  }
}

const key = (kind: string, parts: object) => `${kind}:${JSON.stringify(parts)}`;

function run(backend: unknown, session: SyncSession, named: Record<string, tfc.TensorInfo>): tfc.TensorInfo {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(named))
    feeds[name] = new ort.Tensor('float32', readFloats(backend, t), t.shape);
  const y = runSync(session, feeds);
  return writeOutput(backend, y.dims as number[], y.data as Float32Array);
}

const installed = new Set<string>();

/** Registers the three kernels on the active backend (once) and the gradients of Conv and ConvTranspose. */
export function installNativeConv(tf: TF, threads = availableParallelism()): void {
  const backendName = tf.getBackend();
  if (installed.has(backendName)) return;
  const cache = new SessionCache(threads);
  tf.registerKernel({
    kernelName: CONV_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, w } = inputs as { x: tfc.TensorInfo; w: tfc.TensorInfo };
      const a = attrs as unknown as ConvAttrs;
      return run(
        backend,
        cache.get(key('conv', { r: x.shape.length, ...a }), () => convModel(x.shape.length, a)),
        { x, w },
      );
    },
  });
  tf.registerKernel({
    kernelName: CONV_TRANSPOSE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, w } = inputs as { x: tfc.TensorInfo; w: tfc.TensorInfo };
      const a = attrs as unknown as TransposeAttrs;
      return run(
        backend,
        cache.get(key('convT', { r: x.shape.length, ...a }), () => convTransposeModel(x.shape.length, a)),
        { x, w },
      );
    },
  });
  tf.registerKernel({
    kernelName: CONV_FILTER_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, g } = inputs as { x: tfc.TensorInfo; g: tfc.TensorInfo };
      const a = attrs as unknown as FilterGradAttrs;
      const s = cache.get(key('dW', { x: x.shape, g: g.shape, ...a }), () => filterGradModel(x.shape, g.shape, a));
      return run(backend, s, { x, g });
    },
  });
  if (!installed.size) registerGradients(tf);
  installed.add(backendName);
}

function attrsOf(a: tfc.NamedAttrMap): ConvAttrs {
  const c = a as unknown as ConvAttrs;
  return { strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group };
}

function registerGradients(tf: TF): void {
  const runKernel = (name: string, inputs: tfc.NamedTensorMap, attrs: object) =>
    tf.engine().runKernel(name, inputs, attrs as tfc.NamedAttrMap) as tfc.Tensor;
  tf.registerGradient({
    kernelName: CONV_KERNEL,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved;
      const g = dy as tfc.Tensor;
      const a = attrsOf(attrs);
      const kernel = w.shape.slice(2);
      const outputPadding = adjointOutputPadding(x.shape.slice(2), g.shape.slice(2), { ...a, kernel });
      return {
        x: () => runKernel(CONV_TRANSPOSE_KERNEL, { x: g, w }, { ...a, outputPadding }),
        w: () => runKernel(CONV_FILTER_GRAD_KERNEL, { x, g }, { ...a, kernelShape: kernel }),
      };
    },
  });
  tf.registerGradient({
    kernelName: CONV_TRANSPOSE_KERNEL,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved;
      const g = dy as tfc.Tensor;
      const a = attrsOf(attrs);
      return {
        x: () => runKernel(CONV_KERNEL, { x: g, w }, a),
        w: () => runKernel(CONV_FILTER_GRAD_KERNEL, { x: g, g: x }, { ...a, kernelShape: w.shape.slice(2) }),
      };
    },
  });
}
