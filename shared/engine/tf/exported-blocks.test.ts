// A small conditional U-Net with an attention block, written the way torch.onnx.export writes one at each opset
// from 14 to 21 (GroupNorm as InstanceNormalization up to 17, GroupNormalization from 18; ReduceMean's axes as an
// attribute up to 17, an input from 18), run on both engines, and its gradients checked by finite differences.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import { GraphBuilder, float } from '../../onnx/graph-builder.ts';
import { DataType, type ModelProto } from '../../onnx/onnx-proto.ts';
import { OrtEngine } from '../ort/ort-engine.ts';
import { compareEngines } from '../parity.ts';
import { f32, i64 } from '../tensor.ts';
import { loadTf } from './tf-backend.ts';
import { TfGraph } from './tf-graph.ts';
import { Rng } from '../../random/prng.ts';

const ort = new OrtEngine();
after(() => ort.close());

const [B, C, HW, CLASSES] = [2, 8, 8, 5];

function exportedUNet(opset: number, rng: Rng): ModelProto {
  const g = new GraphBuilder('unet');
  const w = (name: string, dims: number[], scale = 0.3) =>
    g.param(
      name,
      dims,
      Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
    );
  const axes = (v: number[]) => g.constInt64(v);
  const silu = (x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  const conv = (
    x: string,
    name: string,
    cin: number,
    cout: number,
    attrs: Record<string, number[] | number> = { pads: [1, 1, 1, 1] },
  ) => g.op('Conv', [x, w(`${name}.weight`, [cout, cin, 3, 3]), w(`${name}.bias`, [cout])], attrs);
  const groupNorm = (x: string, name: string, ch: number, groups: number) => {
    const scale = g.param(
      `${name}.weight`,
      [ch],
      Float32Array.from({ length: ch }, () => 1 + 0.2 * rng.normal()),
    );
    const bias = w(`${name}.bias`, [ch], 0.2);
    if (opset >= 21) return g.op('GroupNormalization', [x, scale, bias], { num_groups: groups, epsilon: float(1e-5) });
    if (opset >= 18) {
      // opset 18's scale and bias are per group: exporters pass ones and zeros and apply the affine per channel
      const normed = g.op(
        'GroupNormalization',
        [x, g.constFloat(new Float32Array(groups).fill(1), [groups]), g.constFloat(new Float32Array(groups), [groups])],
        { num_groups: groups, epsilon: float(1e-5) },
      );
      return g.op('Add', [
        g.op('Mul', [normed, g.op('Unsqueeze', [scale, axes([1, 2])])]),
        g.op('Unsqueeze', [bias, axes([1, 2])]),
      ]);
    }
    const grouped = g.op('Reshape', [x, g.constInt64([0, groups, -1])]);
    const normed = g.op(
      'InstanceNormalization',
      [
        grouped,
        g.constFloat(new Float32Array(groups).fill(1), [groups]),
        g.constFloat(new Float32Array(groups), [groups]),
      ],
      { epsilon: float(1e-5) },
    );
    const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
    return g.op('Add', [
      g.op('Mul', [back, g.op('Unsqueeze', [scale, axes([1, 2])])]),
      g.op('Unsqueeze', [bias, axes([1, 2])]),
    ]);
  };
  const mean = (x: string, ax: number[]) =>
    opset >= 18
      ? g.op('ReduceMean', [x, axes(ax)], { keepdims: 1 })
      : g.op('ReduceMean', [x], { axes: ax, keepdims: 1 });

  const x = g.input('x', [B, C, HW, HW]);
  const t = g.input('t', [B]);
  const label = g.input('label', [B], DataType.INT64);
  // sinusoidal time embedding: exp(−ln(10⁴)·i/half) from Range, then sin and cos
  const half = 4;
  const freqs = g.op('Exp', [
    g.op('Mul', [
      g.op('Cast', [g.op('Range', [g.constInt64([0], []), g.constInt64([half], []), g.constInt64([1], [])])], {
        to: DataType.FLOAT,
      }),
      g.constFloat([-Math.log(1e4) / half], []),
    ]),
  ]);
  const args = g.op('Mul', [g.op('Unsqueeze', [t, axes([1])]), g.op('Unsqueeze', [freqs, axes([0])])]);
  const temb = g.op('Concat', [g.op('Sin', [args]), g.op('Cos', [args])], { axis: -1 });
  const emb = g.op('Add', [
    g.op('Gemm', [temb, w('time.weight', [C, 2 * half]), w('time.bias', [C])], { transB: 1 }),
    g.op('Gather', [w('label_emb.weight', [CLASSES, C]), label], { axis: 0 }),
  ]);

  // down: conv, norm, SiLU, + embedding; stride-2 conv; up: nearest ×2, concat skip, conv
  let h = conv(x, 'conv_in', C, C);
  h = g.op('Add', [silu(groupNorm(h, 'norm1', C, 4)), g.op('Unsqueeze', [silu(emb), axes([2, 3])])]);
  const skip = h;
  h = conv(h, 'down', C, C, { strides: [2, 2], pads: [1, 1, 1, 1] });
  // attention over the 4×4 positions, one head, written with Einsum and a mean-subtracted residual
  const seq = g.op('Transpose', [g.op('Reshape', [h, g.constInt64([0, C, -1])])], { perm: [0, 2, 1] });
  const [q, k, v] = g.opN('Split', [g.op('MatMul', [seq, w('attn.qkv', [C, 3 * C])]), g.constInt64([C, C, C])], 3, {
    axis: -1,
  });
  const scores = g.op('Div', [g.op('Einsum', [q, k], { equation: 'bqd,bkd->bqk' }), g.constFloat([Math.sqrt(C)], [])]);
  const attn = g.op('Einsum', [g.op('Softmax', [scores], { axis: -1 }), v], { equation: 'bqk,bkd->bqd' });
  const centered = g.op('Sub', [attn, mean(attn, [1])]);
  h = g.op('Add', [h, g.op('Reshape', [g.op('Transpose', [centered], { perm: [0, 2, 1] }), g.op('Shape', [h])])]);
  const up = g.op('Resize', [h, '', g.constFloat([1, 1, 2, 2], [4])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  h = conv(g.op('Concat', [up, skip], { axis: 1 }), 'up', 2 * C, C);
  h = g.op('Pad', [silu(groupNorm(h, 'norm_out', C, 4)), g.constInt64([0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'reflect' });
  g.output(conv(h, 'conv_out', C, C, { pads: [0, 0, 0, 0] }), [B, C, HW, HW]);
  const model = g.build();
  model.opsetImport = [{ domain: '', version: opset }];
  if (opset >= 21) model.irVersion = 10;
  return model;
}

function feeds(rng: Rng) {
  return {
    x: f32(
      Float32Array.from({ length: B * C * HW * HW }, () => rng.normal()),
      [B, C, HW, HW],
    ),
    t: f32(Float32Array.from([3, 517]), [B]),
    label: i64([4, 1], [B]),
  };
}

for (const opset of [14, 17, 18, 21]) {
  test(`an exported U-Net block at opset ${opset}: both engines agree and the gradients match finite differences`, async () => {
    const tf = await loadTf();
    const rng = new Rng(opset);
    const model = exportedUNet(opset, rng);
    const host = feeds(rng);
    for (const r of await compareEngines(tf, ort, model, host))
      assert.ok(r.maxRel < 1e-5, `output ${r.output} differs by ${r.maxAbs} (rel ${r.maxRel})`);

    const graph = new TfGraph(tf, model);
    const x = tf.tensor(host.x.data as Float32Array, host.x.dims);
    const t = tf.tensor(host.t.data as Float32Array, host.t.dims);
    const label = tf.tensor([4, 1], [B], 'int32');
    const probe = tf.tensor(
      Float32Array.from({ length: B * C * HW * HW }, () => rng.uniform() - 0.5),
      [B, C, HW, HW],
    );
    const loss = () =>
      tf.tidy(() => tf.sum(tf.mul(graph.run({ x, t, label })[graph.outputNames[0]], probe)) as tfc.Scalar);
    const { value, grads } = graph.valueAndGrads(loss);
    value.dispose();
    const weights = graph.readWeights();
    for (const name of [
      'conv_in.weight',
      'norm1.weight',
      'label_emb.weight',
      'time.weight',
      'attn.qkv',
      'up.weight',
      'norm_out.bias',
    ]) {
      const values = new Float32Array(weights.get(name)!);
      const gd = grads[name].dataSync();
      // the largest gradient entry (and for the embedding table: an unused row must have none)
      let i = 0;
      for (let j = 0; j < gd.length; j++) if (Math.abs(gd[j]) > Math.abs(gd[i])) i = j;
      const h = 1e-2;
      const at = (delta: number) => {
        const w2 = new Float32Array(values);
        w2[i] += delta;
        graph.writeWeights(new Map([[name, w2]]));
        return loss().dataSync()[0];
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      graph.writeWeights(new Map([[name, values]]));
      assert.ok(
        Math.abs(fd - gd[i]) < 2e-3 + 3e-2 * Math.abs(fd),
        `${name}[${i}]: autodiff ${gd[i]} vs finite difference ${fd}`,
      );
      if (name === 'label_emb.weight')
        assert.ok(
          gd.slice(0, C).every((v) => v === 0),
          'row 0 of the embedding table is not gathered: its gradient must be zero',
        );
    }
    tf.dispose([x, t, label, probe, ...Object.values(grads)]);
    graph.dispose();
  });
}
