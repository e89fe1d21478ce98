// A tiny class-conditional flow-matching generator over 1×8×8 images, for testing the sampler service, the sample
// sets and the CLI against a real ONNX graph on the real engines (its samples are not meant to look like anything).
// Rectified flow (Liu et al. 2022): x_t = t·x₁ + (1−t)·x₀, x₀ ~ N(0, I), velocity target v = x₁ − x₀; Euler steps
// from t = 0 to 1; classifier-free guidance v = v_u + g·(v_c − v_u) (Ho & Salimans 2022).
import type * as tfc from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { DataType, encodeModel } from '../../onnx/onnx-proto.ts';
import { parseManifest, type Manifest } from '../../models/manifest.ts';
import { Rng, sampleRng } from '../../random/prng.ts';
import { f32, i64 } from '../../engine/tensor.ts';
import type { OrtModel } from '../../engine/ort/ort-engine.ts';
import type { TF } from '../../engine/tf/tf-backend.ts';
import type { TfGraph } from '../../engine/tf/tf-graph.ts';
import type { GeneratorFamily, SampleRequest, SampleResult, TrainingBatch } from '../generator-family.ts';

export const TINY_SIDE = 8;
export const TINY_CLASSES = 4;

/** The graph: v̂(x, t, c) = MLP([flatten(x), t, onehot(c)·E]); inputs x [N,1,8,8], t [N,1], class_labels [N] int64. */
export function buildTinyFlowGraph(seed = 1, hidden = 64): { onnx: Uint8Array; output: string } {
  const rng = new Rng(seed);
  const D = TINY_SIDE * TINY_SIDE;
  const E = 8;
  const g = new GraphBuilder('tiny-flow');
  const x = g.input('x', ['N', 1, TINY_SIDE, TINY_SIDE]);
  const t = g.input('t', ['N', 1]);
  const c = g.input('class_labels', ['N'], DataType.INT64);
  const init = (n: number, fanIn: number) =>
    Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) / Math.sqrt(fanIn));
  // class embedding as one-hot (a Gather from a constant identity) times a weight, so that training needs no
  // gradient through Gather
  const K1 = TINY_CLASSES + 1;
  const eye = g.constFloat(
    Float32Array.from({ length: K1 * K1 }, (_, i) => (i % (K1 + 1) === 0 ? 1 : 0)),
    [K1, K1],
    'eye',
  );
  const emb = g.op('MatMul', [
    g.op('Gather', [eye, c], { axis: 0 }),
    g.param('class_embed.weight', [K1, E], init(K1 * E, 1)),
  ]);
  const flat = g.op('Reshape', [x, g.constInt64([-1, D])]);
  let h = g.op('Concat', [flat, t, emb], { axis: 1 });
  let width = D + 1 + E;
  const layer = (name: string, out: number) => {
    const w = g.param(`${name}.weight`, [out, width], init(out * width, width));
    const b = g.param(`${name}.bias`, [out], new Float32Array(out));
    width = out;
    return g.op('Gemm', [h, w, b], { transB: 1 });
  };
  h = g.op('Relu', [layer('fc1', hidden)]);
  h = g.op('Relu', [layer('fc2', hidden)]);
  const v = g.op('Reshape', [layer('head', D), g.constInt64([-1, 1, TINY_SIDE, TINY_SIDE])], {}, 'v');
  g.output(v, ['N', 1, TINY_SIDE, TINY_SIDE]);
  return { onnx: encodeModel(g.build()), output: v };
}

export function tinyFlowManifest(name = 'tiny-flow', output = buildTinyFlowGraph().output): Manifest {
  return parseManifest({
    name,
    family: 'flow',
    description: 'test fixture: a tiny flow-matching MLP over 8×8 images',
    data: { shape: [1, TINY_SIDE, TINY_SIDE], range: [-1, 1] },
    conditioning: { num_classes: TINY_CLASSES, null_class: TINY_CLASSES, label_dropout: 0.1 },
    loss: { kind: 'flow-matching' },
    sampler: { kind: 'euler', steps: 6, guidance_scale: 1.5 },
    io: { inputs: { x: 'x', t: 't', class: 'class_labels' }, outputs: { v: output } },
    training: { steps: 0 },
  });
}

/** The fixture model: its ONNX bytes and manifest. */
export function tinyFlowModel(name = 'tiny-flow', seed = 1): { onnx: Uint8Array; manifest: Manifest } {
  const { onnx, output } = buildTinyFlowGraph(seed);
  return { onnx, manifest: tinyFlowManifest(name, output) };
}

/** Pixels in the model's range → uint8 ([lo, hi] onto [0, 255], rounded, clamped). */
function toUint8(x: Float32Array, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(((x[i] - lo) / (hi - lo)) * 255)));
  return out;
}

function labelsFor(manifest: Manifest, req: SampleRequest): Int32Array {
  const nul = manifest.conditioning.null_class ?? manifest.conditioning.num_classes;
  const given = req.classLabels;
  return Int32Array.from({ length: req.n }, (_, i) =>
    given === undefined || given.length === 0 ? nul : given.length === 1 ? given[0] : given[i],
  );
}

export const tinyFlowFamily: GeneratorFamily = {
  family: 'flow',

  loss(tf: TF, graph: TfGraph, manifest: Manifest, batch: TrainingBatch, rng: Rng): tfc.Scalar {
    const [C, H, W] = manifest.data.shape;
    const D = C * H * W;
    const [lo, hi] = manifest.data.range ?? [-1, 1];
    const nul = manifest.conditioning.null_class ?? manifest.conditioning.num_classes;
    const x1 = Float32Array.from(batch.images, (p) => lo + (p / 255) * (hi - lo));
    const x0 = rng.normals(new Float32Array(batch.n * D)) as Float32Array;
    const t = Float32Array.from({ length: batch.n }, () => rng.uniform());
    const labels = Int32Array.from(batch.labels, (l) =>
      rng.uniform() < manifest.conditioning.label_dropout ? nul : l,
    );
    const xt = new Float32Array(batch.n * D);
    const target = new Float32Array(batch.n * D);
    for (let i = 0; i < batch.n; i++) {
      for (let j = 0; j < D; j++) {
        const k = i * D + j;
        xt[k] = t[i] * x1[k] + (1 - t[i]) * x0[k]; // x_t = t·x₁ + (1−t)·x₀
        target[k] = x1[k] - x0[k]; // v = x₁ − x₀
      }
    }
    const io = manifest.io;
    const out = graph.run({
      [io.inputs.x]: tf.tensor(xt, [batch.n, C, H, W]),
      [io.inputs.t]: tf.tensor(t, [batch.n, 1]),
      [io.inputs.class]: tf.tensor(labels, [batch.n], 'int32'),
    });
    return tf.mean(tf.square(tf.sub(out[io.outputs.v], tf.tensor(target, [batch.n, C, H, W])))) as tfc.Scalar;
  },

  async sample(session: OrtModel, manifest: Manifest, req: SampleRequest): Promise<SampleResult> {
    const [C, H, W] = manifest.data.shape;
    const D = C * H * W;
    const n = req.n;
    const steps = req.steps ?? manifest.sampler.steps ?? 6;
    const g = req.guidanceScale ?? manifest.sampler.guidance_scale ?? 1;
    const nul = manifest.conditioning.null_class ?? manifest.conditioning.num_classes;
    const labels = labelsFor(manifest, req);
    const guided = g !== 1;
    // x₀ of sample i comes from its own generator (seed, first + i)
    const x = new Float32Array(n * D);
    for (let i = 0; i < n; i++) sampleRng(req.seed, (req.first ?? 0) + i).normals(x.subarray(i * D, (i + 1) * D));
    const m = guided ? 2 * n : n;
    const cls = i64(
      Array.from({ length: m }, (_, i) => (i < n ? labels[i] : nul)),
      [m],
    );
    const io = manifest.io;
    for (let k = 0; k < steps; k++) {
      const t = k / steps;
      const dt = 1 / steps;
      const xin = guided ? new Float32Array(m * D) : x;
      if (guided) {
        xin.set(x, 0);
        xin.set(x, n * D);
      }
      const out = await session.run({
        [io.inputs.x]: f32(xin, [m, C, H, W]),
        [io.inputs.t]: f32(new Float32Array(m).fill(t), [m, 1]),
        [io.inputs.class]: cls,
      });
      const v = out[io.outputs.v].data as Float32Array;
      for (let j = 0; j < n * D; j++) {
        const vj = guided ? v[n * D + j] + g * (v[j] - v[n * D + j]) : v[j]; // v_u + g·(v_c − v_u)
        x[j] += dt * vj; // Euler: x ← x + Δt·v̂
      }
    }
    const [lo, hi] = manifest.data.range ?? [-1, 1];
    return { images: toUint8(x, lo, hi), labels };
  },

  evaluationsPerSample(manifest: Manifest, req: SampleRequest): number {
    const steps = req.steps ?? manifest.sampler.steps ?? 6;
    const g = req.guidanceScale ?? manifest.sampler.guidance_scale ?? 1;
    return steps * (g !== 1 ? 2 : 1);
  },
};

/** Writes the fixture as a model folder `<dir>/<name>/{model.onnx, model.json}`; returns the folder. */
export async function writeTinyFlowModel(dir: string, name = 'tiny-flow', seed = 1): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { onnx, manifest } = tinyFlowModel(name, seed);
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'model.onnx'), onnx);
  await writeFile(join(folder, 'model.json'), JSON.stringify(manifest, null, 2));
  return folder;
}
