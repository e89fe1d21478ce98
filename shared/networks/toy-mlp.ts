// The paper's toy network (appendix): an MLP with 4 hidden ReLU blocks of 32 units.
// Diffusion: inputs x ∈ ℝ² and t/(T−1), output ε̂ ∈ ℝ². Autoregressive: inputs a context c ∈ ℝ², output K logits.
import { GraphBuilder } from '../onnx/graph-builder.ts';
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { Rng } from '../random/prng.ts';

export interface MlpSpec {
  inputs: { name: string; width: number }[];
  hidden: number;
  blocks: number;
  outputs: number;
  seed: number;
}

/** He-uniform weights for ReLU layers (PyTorch's default Linear init is close to this scale). */
function linearInit(rng: Rng, fanIn: number, fanOut: number): { w: Float32Array; b: Float32Array } {
  const bound = 1 / Math.sqrt(fanIn);
  const w = Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.uniform() - 1) * bound);
  const b = Float32Array.from({ length: fanOut }, () => (2 * rng.uniform() - 1) * bound);
  return { w, b };
}

export function buildMlp(name: string, spec: MlpSpec): ModelProto {
  const rng = new Rng(spec.seed);
  const g = new GraphBuilder(name);
  const ins = spec.inputs.map((i) => g.input(i.name, ['N', i.width]));
  let h = ins.length === 1 ? ins[0] : g.op('Concat', ins, { axis: 1 });
  let width = spec.inputs.reduce((a, i) => a + i.width, 0);
  const layer = (k: string, out: number) => {
    const { w, b } = linearInit(rng, width, out);
    const y = g.op('Gemm', [h, g.param(`${k}.weight`, [out, width], w), g.param(`${k}.bias`, [out], b)], { transB: 1 });
    width = out;
    return y;
  };
  for (let i = 0; i < spec.blocks; i++) h = g.op('Relu', [layer(`blocks.${i}`, spec.hidden)]);
  const y = layer('head', spec.outputs);
  g.output(g.op('Identity', [y], {}, 'out'), ['N', spec.outputs]);
  return g.build();
}
