// Layer helpers over the graph builder, shared by the Fashion-MNIST generators: linear layers, SiLU, layer norm,
// sinusoidal embeddings. Weights are created from a seeded generator so a network is reproducible from its seed.
import type { GraphBuilder } from '../onnx/graph-builder.ts';
import { float } from '../onnx/graph-builder.ts';
import { Rng } from '../random/prng.ts';

export class Layers {
  readonly rng: Rng;
  constructor(
    readonly g: GraphBuilder,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** Uniform(−bound, bound) weights, bound = scale/√fanIn (PyTorch's Linear default at scale 1). */
  uniform(n: number, bound: number): Float32Array {
    return Float32Array.from({ length: n }, () => (2 * this.rng.uniform() - 1) * bound);
  }

  /** y = x·Wᵀ + b with W [out, in]; `scale` 0 gives a zero-initialised layer. */
  linear(name: string, x: string, fanIn: number, fanOut: number, scale = 1): string {
    const w = this.g.param(
      `${name}.weight`,
      [fanOut, fanIn],
      scale === 0 ? new Float32Array(fanIn * fanOut) : this.uniform(fanIn * fanOut, scale / Math.sqrt(fanIn)),
    );
    const b = this.g.param(`${name}.bias`, [fanOut], new Float32Array(fanOut));
    return this.g.op('Gemm', [x, w, b], { transB: 1 });
  }

  /** SiLU(x) = x·σ(x) (Elfwing et al. 2018). */
  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  /**
   * A 2-d convolution (k×k, "same" padding for stride 1; stride 2 halves the sides), weights [out, in, k, k] with
   * PyTorch's default bound scale/√(in·k²); `scale` 0 gives a zero-initialised layer.
   */
  conv(name: string, x: string, cin: number, cout: number, k: number, stride = 1, scale = 1): string {
    const fanIn = cin * k * k;
    const w = this.g.param(
      `${name}.weight`,
      [cout, cin, k, k],
      scale === 0 ? new Float32Array(fanIn * cout) : this.uniform(fanIn * cout, scale / Math.sqrt(fanIn)),
    );
    const b = this.g.param(`${name}.bias`, [cout], new Float32Array(cout));
    const p = (k - 1) >> 1;
    return this.g.op('Conv', [x, w, b], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [stride, stride] });
  }

  /**
   * GroupNorm over [N, C, H, W] with a per-channel affine, as torch.onnx.export writes it at opset ≤ 17:
   * Reshape → InstanceNormalization (ones, zeros) → Reshape → Mul → Add.
   */
  groupNorm(name: string, x: string, channels: number, groups: number): string {
    const grouped = this.g.op('Reshape', [x, this.g.constInt64([0, groups, -1])]);
    const normed = this.g.op(
      'InstanceNormalization',
      [
        grouped,
        this.g.constFloat(new Float32Array(groups).fill(1), [groups]),
        this.g.constFloat(new Float32Array(groups), [groups]),
      ],
      {
        epsilon: float(1e-5),
      },
    );
    const back = this.g.op('Reshape', [normed, this.g.op('Shape', [x])]);
    const axes = this.g.constInt64([1, 2]);
    const scale = this.g.op('Unsqueeze', [
      this.g.param(`${name}.weight`, [channels], new Float32Array(channels).fill(1)),
      axes,
    ]);
    const bias = this.g.op('Unsqueeze', [this.g.param(`${name}.bias`, [channels], new Float32Array(channels)), axes]);
    return this.g.op('Add', [this.g.op('Mul', [back, scale]), bias]);
  }

  /** Layer norm over the last axis without affine parameters (FiLM supplies scale and shift). */
  layerNorm(x: string, width: number): string {
    const ones = this.g.constFloat(new Float32Array(width).fill(1), [width], 'ln_scale');
    return this.g.op('LayerNormalization', [x, ones], { axis: -1, epsilon: float(1e-5) });
  }

  /**
   * The rows E[y] of an embedding table for int64 labels y [N], as onehot(y)·E with onehot(y)_k = relu(1 − |y − k|)
   * (tfjs-wasm has no gradient kernel for Gather).
   */
  embed(name: string, y: string, rows: number, width: number): string {
    const yf = this.g.op('Reshape', [this.g.op('Cast', [y], { to: 1 }), this.g.constInt64([-1, 1])]);
    const ks = this.g.constFloat(
      Float32Array.from({ length: rows }, (_, k) => k),
      [1, rows],
      'class_ids',
    );
    const onehot = this.g.op('Relu', [
      this.g.op('Sub', [this.g.constFloat([1], [1]), this.g.op('Abs', [this.g.op('Sub', [yf, ks])])]),
    ]);
    const table = this.g.param(`${name}.weight`, [rows, width], this.uniform(rows * width, 1));
    return this.g.op('MatMul', [onehot, table]);
  }

  /** Sinusoidal features [sin(t·ωₖ), cos(t·ωₖ)] of a [N, 1] input, ωₖ geometric in [1, maxFreq] (Vaswani et al. 2017). */
  fourier(t: string, count: number, maxFreq: number): string {
    const freqs = Float32Array.from({ length: count }, (_, k) =>
      Math.exp((Math.log(maxFreq) * k) / Math.max(1, count - 1)),
    );
    const arg = this.g.op('MatMul', [t, this.g.constFloat(freqs, [1, count], 'freqs')]);
    return this.g.op('Concat', [this.g.op('Sin', [arg]), this.g.op('Cos', [arg])], { axis: 1 });
  }
}

/** Total number of FLOAT parameters of a model. */
export function parameterCount(initializers: { dims: number[] }[]): number {
  return initializers.reduce((a, t) => a + t.dims.reduce((p, d) => p * d, 1), 0);
}
