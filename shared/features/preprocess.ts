// The preprocessing contract of a feature extractor: what the network expects, and the one function that turns
// decoded 8-bit images into its input batch (NCHW float32). For pytorch-fid's Inception-v3: 299×299, bilinear resize
// without antialiasing (torch F.interpolate(mode='bilinear', align_corners=False)), values in [−1, 1], gray → 3 channels.
import type { Image } from '../image/png.ts';

export interface PreprocessContract {
  /** network input height and width */
  height: number;
  width: number;
  /** channels the network takes: 1 (gray) or 3 (RGB) */
  channels: 1 | 3;
  /** [lo, hi]: pixel value 0 maps to lo and 255 to hi */
  range: [number, number];
  /** 'bilinear': torch F.interpolate(mode='bilinear', align_corners=False, antialias=False); 'none': sizes must match */
  resize: 'bilinear' | 'none';
}

/** pytorch-fid's InceptionV3 (resize_input=True, normalize_input=True): 299×299, [−1, 1], RGB. */
export const INCEPTION_CONTRACT: PreprocessContract = {
  height: 299,
  width: 299,
  channels: 3,
  range: [-1, 1],
  resize: 'bilinear',
};

/** Source-pixel coordinates and weights for one axis of an align_corners=False bilinear resize. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(outSize),
    i1 = new Int32Array(outSize),
    w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5); // torch clamps negative source coordinates to 0
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w[o] = src - lo;
  }
  return { i0, i1, w };
}

/** One image as `contract.channels` planes of height×width floats in [0, 1] (before the range map). */
function planes(img: Image, channels: 1 | 3): Float32Array[] {
  const { width, height, data } = img;
  const c = img.channels;
  const n = width * height;
  const out: Float32Array[] = [];
  const colour = c >= 3;
  if (channels === 3) {
    for (let k = 0; k < 3; k++) {
      const p = new Float32Array(n);
      const src = colour ? k : 0; // gray → the same plane three times; alpha is dropped
      for (let i = 0; i < n; i++) p[i] = data[i * c + src] / 255;
      out.push(p);
    }
  } else {
    const p = new Float32Array(n);
    // RGB → gray with ITU-R BT.601 luma weights; alpha is dropped
    for (let i = 0; i < n; i++)
      p[i] = colour
        ? (0.299 * data[i * c] + 0.587 * data[i * c + 1] + 0.114 * data[i * c + 2]) / 255
        : data[i * c] / 255;
    out.push(p);
  }
  return out;
}

/** Turns decoded images into the network's input: a Float32Array of shape [N, C, H, W]. */
export function preprocess(
  images: readonly Image[],
  contract: PreprocessContract,
): { input: Float32Array; shape: number[] } {
  const { height: H, width: W, channels: C } = contract;
  const [lo, hi] = contract.range;
  const out = new Float32Array(images.length * C * H * W);
  images.forEach((img, n) => {
    if (contract.resize === 'none' && (img.width !== W || img.height !== H)) {
      throw new Error(`image is ${img.width}×${img.height} but the extractor takes ${W}×${H} and does not resize`);
    }
    const ps = planes(img, C);
    const same = img.width === W && img.height === H;
    const ax = same ? null : { x: axis(img.width, W), y: axis(img.height, H) };
    for (let c = 0; c < C; c++) {
      const p = ps[c];
      const base = (n * C + c) * H * W;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let v: number;
          if (!ax) v = p[y * W + x];
          else {
            const y0 = ax.y.i0[y],
              y1 = ax.y.i1[y],
              wy = ax.y.w[y];
            const x0 = ax.x.i0[x],
              x1 = ax.x.i1[x],
              wx = ax.x.w[x];
            const iw = img.width;
            const top = p[y0 * iw + x0] * (1 - wx) + p[y0 * iw + x1] * wx;
            const bot = p[y1 * iw + x0] * (1 - wx) + p[y1 * iw + x1] * wx;
            v = top * (1 - wy) + bot * wy;
          }
          out[base + y * W + x] = lo + (hi - lo) * v;
        }
      }
    }
  });
  return { input: out, shape: [images.length, C, H, W] };
}
