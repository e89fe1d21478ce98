// A grid image of equally sized gray samples (rows × cols tiles, `pad` pixels between them) for PNG export.
import type { Image } from './png.ts';

export function sampleGrid(
  pixels: Uint8Array,
  h: number,
  w: number,
  rows: number,
  cols: number,
  pad = 2,
  background = 255,
): Image {
  const H = rows * h + (rows + 1) * pad;
  const W = cols * w + (cols + 1) * pad;
  const data = new Uint8Array(H * W).fill(background);
  const n = Math.min(rows * cols, pixels.length / (h * w));
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k / cols);
    const c = k % cols;
    const oy = pad + r * (h + pad);
    const ox = pad + c * (w + pad);
    for (let y = 0; y < h; y++)
      data.set(pixels.subarray(k * h * w + y * w, k * h * w + (y + 1) * w), (oy + y) * W + ox);
  }
  return { width: W, height: H, channels: 1, data };
}
