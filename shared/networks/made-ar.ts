// The autoregressive network: a class-conditional MADE (Germain et al. 2015) over the raster-ordered pixels of
// an image quantized to K levels, with residual masked blocks. One pass gives every conditional
// p(x_i | x_<i, y) as K logits; the masks zero each weight that would let pixel i see pixels ≥ i.
// Degrees (MADE §4): input pixel i has degree i (1-based), hidden unit h a degree m(h) ∈ [1, D−1];
// a hidden weight is kept when m(h) ≥ degree(source), an output weight for pixel i when i > m(h).
// The masks are computed in the graph from the degree vectors (min(relu(a − b + 1), 1) = [a ≥ b] for integers),
// so the model file holds the weights and two short degree vectors, not the dense masks.
//   inputs:  x [N, D] (pixel values scaled to [−1, 1]; only x_<i matters for pixel i), y [N] int64
//   output:  logits [N, D, K]
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { DataType, type ModelProto } from '../onnx/onnx-proto.ts';
import { Layers } from './layers.ts';

export interface MadeSpec {
  /** Number of pixels D (28·28). */
  pixels: number;
  /** Quantization levels K. */
  levels: number;
  numClasses: number;
  width: number;
  blocks: number;
  /** Width of the last hidden layer feeding the D·K logits. */
  head: number;
  seed: number;
}

/** Hidden degrees spread evenly over [1, D−1]. */
export function hiddenDegrees(units: number, pixels: number): number[] {
  return Array.from({ length: units }, (_, h) => 1 + Math.floor((h * (pixels - 1)) / units));
}

export function buildMadeAr(name: string, s: MadeSpec): ModelProto {
  const g = new GraphBuilder(name);
  const L = new Layers(g, s.seed);
  const D = s.pixels;
  const K = s.levels;
  const x = g.input('x', ['N', D]);
  const y = g.input('y', ['N'], DataType.INT64);

  const pixelDeg = Array.from({ length: D }, (_, i) => i + 1);
  const hidDeg = hiddenDegrees(s.width, D);
  const headDeg = hiddenDegrees(s.head, D);
  const outDeg = pixelDeg.flatMap((d) => Array(K).fill(d) as number[]);
  const deg = (v: number[], name: string) => g.constFloat(v, [v.length], name);
  const one = g.constFloat([1], [1], 'one');
  /** Mask [out, in] with 1 where degOut(o) − degIn(i) + shift > 0 (shift 1: ≥; shift 0: >). */
  const mask = (outD: string, nOut: number, inD: string, nIn: number, shift: number) => {
    const diff = g.op('Sub', [
      g.op('Reshape', [outD, g.constInt64([nOut, 1])]),
      g.op('Reshape', [inD, g.constInt64([1, nIn])]),
    ]);
    return g.op('Min', [g.op('Relu', [shift === 0 ? diff : g.op('Add', [diff, one])]), one]);
  };
  const dPix = deg(pixelDeg, 'deg_pixels');
  const dHid = deg(hidDeg, 'deg_hidden');
  const dHead = deg(headDeg, 'deg_head');
  const dOut = deg(outDeg, 'deg_out');
  const maskedLinear = (nm: string, v: string, nIn: number, nOut: number, m: string, scale = 1) => {
    const w = g.param(
      `${nm}.weight`,
      [nOut, nIn],
      scale === 0 ? new Float32Array(nIn * nOut) : L.uniform(nIn * nOut, scale / Math.sqrt(nIn)),
    );
    const b = g.param(`${nm}.bias`, [nOut], new Float32Array(nOut));
    return g.op('Gemm', [v, g.op('Mul', [w, m]), b], { transB: 1 });
  };

  const mIn = mask(dHid, s.width, dPix, D, 1);
  const mHid = mask(dHid, s.width, dHid, s.width, 1);
  const mHead = mask(dHead, s.head, dHid, s.width, 1);
  const mOut = mask(dOut, D * K, dHead, s.head, 0);

  // the class embedding reaches every hidden unit (it is not a pixel: it has degree 0)
  let h = g.op('Add', [maskedLinear('in', x, D, s.width, mIn), L.embed('class_embed', y, s.numClasses + 1, s.width)]);
  for (let b = 0; b < s.blocks; b++) {
    // h ← h + W₂·relu(W₁·relu(h)) with masks of equal degrees (the residual keeps the ordering)
    const a = maskedLinear(`blocks.${b}.fc1`, g.op('Relu', [h]), s.width, s.width, mHid);
    h = g.op('Add', [h, maskedLinear(`blocks.${b}.fc2`, g.op('Relu', [a]), s.width, s.width, mHid, 0.5)]);
  }
  const z = g.op('Relu', [maskedLinear('head', g.op('Relu', [h]), s.width, s.head, mHead)]);
  const logits = maskedLinear('out', z, s.head, D * K, mOut);
  g.output(g.op('Reshape', [logits, g.constInt64([-1, D, K])], {}, 'logits'), ['N', D, K]);
  return g.build({
    docString: `class-conditional MADE: ${D} pixels × ${K} levels, width ${s.width}, ${s.blocks} blocks, head ${s.head}`,
  });
}
