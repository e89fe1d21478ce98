// The convolutional network of the continuous families (flow matching, EDM): a small U-Net in the style of
// Ho et al. 2020 / Dhariwal & Nichol 2021, at two resolutions (H×W and H/2×W/2).
//   conditioning: e = MLP(sinusoidal(t)) + E[y] (the last row of E is the null class for classifier-free guidance);
//   resblock(h):  h + conv₂(SiLU(GN(conv₁(SiLU(GN(h))) + Linear(SiLU(e))))) (a 1×1 conv on the skip when widths differ);
//   attention:    h + proj(softmax(q·kᵀ/√d)·v) over the H/2·W/2 positions, q, k, v = 1×1 convs of GN(h), `heads` heads;
//   layout:       conv_in → [res] (skip) → down (3×3, stride 2) → [res, attn] → mid [res, attn, res]
//                 → up (nearest ×2, 3×3) → concat skip → [res] → GN → SiLU → conv_out (zero-initialised).
// GroupNorm is written as torch.onnx.export writes it at opset 17 (Reshape → InstanceNormalization → Reshape →
// Mul → Add), which both engines run. Same inputs and output as the MLP denoiser:
//   inputs:  x [N, C, H, W], t [N, 1], y [N] int64;  output: out [N, C, H, W]
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { DataType, type ModelProto } from '../onnx/onnx-proto.ts';
import { Layers } from './layers.ts';

export interface UnetSpec {
  shape: [number, number, number];
  numClasses: number;
  /** Channels at full resolution; the half resolution has 2×. */
  channels: number;
  /** GroupNorm groups (divides both widths). */
  groups: number;
  heads: number;
  /** Width of the time/class embedding. */
  embed: number;
  /** Largest angular frequency of the noise-level features. */
  maxFreq: number;
  seed: number;
}

export function buildDenoiserUnet(name: string, s: UnetSpec): ModelProto {
  const [C, H, W] = s.shape;
  if (H % 2 || W % 2) throw new Error(`U-Net: the image sides must be even (got ${H}×${W})`);
  const c1 = s.channels;
  const c2 = 2 * s.channels;
  if (c1 % s.groups || c2 % s.heads) throw new Error('U-Net: channels must be divisible by groups and heads');
  const g = new GraphBuilder(name);
  const L = new Layers(g, s.seed);
  const x = g.input('x', ['N', C, H, W]);
  const t = g.input('t', ['N', 1]);
  const y = g.input('y', ['N'], DataType.INT64);

  const tf = L.fourier(t, s.embed / 2, s.maxFreq);
  const te = L.linear('time.1', L.silu(L.linear('time.0', tf, s.embed, s.embed)), s.embed, s.embed);
  const ce = L.embed('class_embed', y, s.numClasses + 1, s.embed);
  const e = L.silu(g.op('Add', [te, ce]));

  const res = (p: string, h: string, cin: number, cout: number): string => {
    let a = L.conv(`${p}.conv1`, L.silu(L.groupNorm(`${p}.norm1`, h, cin, s.groups)), cin, cout, 3);
    const shift = g.op('Unsqueeze', [L.linear(`${p}.emb`, e, s.embed, cout), g.constInt64([2, 3])]);
    a = g.op('Add', [a, shift]);
    a = L.conv(`${p}.conv2`, L.silu(L.groupNorm(`${p}.norm2`, a, cout, s.groups)), cout, cout, 3, 1, 0);
    const skip = cin === cout ? h : L.conv(`${p}.skip`, h, cin, cout, 1);
    return g.op('Add', [skip, a]);
  };
  const attn = (p: string, h: string, c: number, hw: number): string => {
    const dh = c / s.heads;
    const n = L.groupNorm(`${p}.norm`, h, c, s.groups);
    // [N, c, h, w] → [N, heads, dh, hw]
    const heads = (v: string) => g.op('Reshape', [v, g.constInt64([0, s.heads, dh, hw])]);
    const [q, k, v] = ['q', 'k', 'v'].map((m) => heads(L.conv(`${p}.${m}`, n, c, c, 1)));
    const qT = g.op('Transpose', [q], { perm: [0, 1, 3, 2] }); // [N, heads, hw, dh]
    const logits = g.op('Mul', [g.op('MatMul', [qT, k]), g.constFloat([1 / Math.sqrt(dh)], [1])]); // [N, heads, hw, hw]
    const a = g.op('Softmax', [logits], { axis: -1 });
    const o = g.op('MatMul', [v, g.op('Transpose', [a], { perm: [0, 1, 3, 2] })]); // [N, heads, dh, hw]
    const merged = g.op('Reshape', [o, g.op('Shape', [h])]);
    return g.op('Add', [h, L.conv(`${p}.proj`, merged, c, c, 1, 1, 0)]);
  };

  const hw2 = (H / 2) * (W / 2);
  let h = L.conv('conv_in', x, C, c1, 3);
  const skip0 = res('down.0', h, c1, c1);
  h = L.conv('down.pool', skip0, c1, c2, 3, 2);
  h = attn('down.1.attn', res('down.1', h, c2, c2), c2, hw2);
  h = res('mid.0', h, c2, c2);
  h = attn('mid.attn', h, c2, hw2);
  h = res('mid.1', h, c2, c2);
  h = g.op('Resize', [h, '', g.constFloat([1, 1, 2, 2], [4], 'scales')], {
    mode: 'nearest',
    nearest_mode: 'floor',
    coordinate_transformation_mode: 'asymmetric',
  });
  h = L.conv('up.conv', h, c2, c1, 3);
  h = res('up.0', g.op('Concat', [h, skip0], { axis: 1 }), 2 * c1, c1);
  const o = L.conv('conv_out', L.silu(L.groupNorm('norm_out', h, c1, s.groups)), c1, C, 3, 1, 0);
  g.output(g.op('Identity', [o], {}, 'out'), ['N', C, H, W]);
  return g.build({ docString: `U-Net denoiser: ${c1}/${c2} channels, ${s.heads}-head attention at ${H / 2}×${W / 2}` });
}
