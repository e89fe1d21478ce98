// Images as the samplers give them (n × C × H × W uint8) to one PNG each: gray for 1 channel, RGB for 3.
import { encodePng } from '../image/png.ts';

export function imagesToPng(images: Uint8Array, shape: readonly number[], n: number): Uint8Array[] {
  const [C, H, W] = shape;
  if (C !== 1 && C !== 3) throw new Error(`images with ${C} channels cannot be PNG-encoded`);
  const per = C * H * W;
  return Array.from({ length: n }, (_, i) => {
    const chw = images.subarray(i * per, (i + 1) * per);
    const hwc = new Uint8Array(per);
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) hwc[p * C + c] = chw[c * H * W + p];
    return encodePng({ width: W, height: H, channels: C as 1 | 3, data: hwc });
  });
}
