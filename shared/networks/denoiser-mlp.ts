// The network of the continuous families (flow matching, EDM): a residual MLP over the flattened image with
// FiLM conditioning (Perez et al. 2018) on a noise-level embedding plus a class embedding (the last row of the
// table is the null class for classifier-free guidance). Patches would need more FLOPs per parameter than the
// 2-core training budget allows; a whole-image MLP trains fastest per CPU-second.
// The MLP's width is a bottleneck no per-pixel noise can pass, yet both targets (the velocity x₁ − x₀, EDM's
// F = (y − c_skip·x)/c_out) are (a smooth image) + (a scalar times the input x); so the output is
//   out = MLP(x, t, y) + g(t)·x,  g(t) = Linear(e) a per-sample scalar gate (zero at initialisation).
//   inputs:  x [N, C, H, W] (the network input, already scaled by the family), t [N, 1] (noise conditioning), y [N] int64
//   output:  out [N, C, H, W]
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { DataType, type ModelProto } from '../onnx/onnx-proto.ts';
import { Layers } from './layers.ts';

export interface DenoiserSpec {
  shape: [number, number, number];
  numClasses: number;
  width: number;
  hidden: number;
  blocks: number;
  embed: number;
  /** Largest angular frequency of the noise-level features. */
  maxFreq: number;
  seed: number;
}

export const DENOISER_IO = { inputs: { x: 'x', t: 't', y: 'y' }, outputs: { out: 'out' } } as const;

export function buildDenoiserMlp(name: string, s: DenoiserSpec): ModelProto {
  const g = new GraphBuilder(name);
  const L = new Layers(g, s.seed);
  const [C, H, W] = s.shape;
  const D = C * H * W;
  const x = g.input('x', ['N', C, H, W]);
  const t = g.input('t', ['N', 1]);
  const y = g.input('y', ['N'], DataType.INT64);

  // conditioning: e = MLP(fourier(t)) + E[y]
  const tf = L.fourier(t, s.embed / 2, s.maxFreq);
  const te = L.linear('time.1', L.silu(L.linear('time.0', tf, s.embed, s.embed)), s.embed, s.embed);
  const ce = L.embed('class_embed', y, s.numClasses + 1, s.embed);
  const e = L.silu(g.op('Add', [te, ce]));

  const xFlat = g.op('Reshape', [x, g.constInt64([-1, D])]);
  let h = L.linear('in', xFlat, D, s.width);
  for (let b = 0; b < s.blocks; b++) {
    // h ← h + MLP((1 + γ)·LN(h) + β), [γ, β] = Linear(e)
    const [gamma, beta] = g.opN(
      'Split',
      [L.linear(`blocks.${b}.film`, e, s.embed, 2 * s.width, 0), g.constInt64([s.width, s.width])],
      2,
      { axis: 1 },
    );
    const a = g.op('Add', [g.op('Mul', [L.layerNorm(h, s.width), g.op('Add', [gamma, g.constFloat([1], [1])])]), beta]);
    const m = L.linear(`blocks.${b}.fc2`, L.silu(L.linear(`blocks.${b}.fc1`, a, s.width, s.hidden)), s.hidden, s.width);
    h = g.op('Add', [h, m]);
  }
  const skipGate = L.linear('skip_gate', e, s.embed, 1, 0);
  const o = g.op('Add', [
    L.linear('out', L.silu(L.layerNorm(h, s.width)), s.width, D, 0),
    g.op('Mul', [skipGate, xFlat]),
  ]);
  g.output(g.op('Reshape', [o, g.constInt64([-1, C, H, W])], {}, 'out'), ['N', C, H, W]);
  return g.build({ docString: `residual FiLM MLP denoiser: width ${s.width}, hidden ${s.hidden}, ${s.blocks} blocks` });
}
