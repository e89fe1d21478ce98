// The feature path of a trial: sampled uint8 images → feature vectors → float64 sufficient statistics → the
// Fréchet distance to the reference statistics (shared/metrics). Pluggable per model: the 2-d toy uses the points
// themselves against the known target Gaussian; image models use a feature extractor and reference statistics.
import type { Gaussian } from '../../shared/metrics/frechet-distance.ts';
import type { Manifest } from '../../shared/models/manifest.ts';
import type { FeatureExtractor } from '../../shared/features/extractor.ts';
import { preprocess } from '../../shared/features/preprocess.ts';
import type { Image } from '../../shared/image/png.ts';
import { TARGET_COV } from '../../shared/toy/gaussian-target.ts';
import { dequantize, TOY_RANGE } from '../../shared/families/ddpm.ts';

export interface FidScorer {
  /** Names the feature space in results ("toy-points", "fmnist", ...). */
  readonly name: string;
  readonly reference: Gaussian;
  /** Feature vectors of n samples (uint8, channels first), row-major n × dim. */
  features(images: Uint8Array, n: number, manifest: Manifest): Promise<{ features: Float32Array; dim: number }>;
}

/** The 2-d toy: features are the points; the reference is the target N(0, [[2,1],[1,2]]) itself. */
export const toyPointScorer: FidScorer = {
  name: 'toy-points',
  reference: { mu: new Float64Array(2), sigma: Float64Array.from(TARGET_COV.flat()) },
  async features(images, n, manifest) {
    const range = (manifest.data.range ?? TOY_RANGE) as [number, number];
    return { features: dequantize(images.subarray(0, 2 * n), range), dim: 2 };
  },
};

/** An image model: a feature extractor (with its preprocessing contract) against reference statistics. */
export function extractorScorer(
  name: string,
  extractor: FeatureExtractor,
  reference: Gaussian,
  batch = 256,
): FidScorer {
  return {
    name,
    reference,
    async features(images, n, manifest) {
      const [c, h, w] = manifest.data.shape.length === 3 ? manifest.data.shape : [1, ...manifest.data.shape];
      const per = c * h * w;
      const chunks: Float32Array[] = [];
      let dim = 0;
      for (let start = 0; start < n; start += batch) {
        const count = Math.min(batch, n - start);
        const imgs: Image[] = [];
        for (let i = 0; i < count; i++) {
          const src = images.subarray((start + i) * per, (start + i + 1) * per);
          const data = new Uint8Array(per);
          // channels first → interleaved (HWC)
          for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) data[p * c + k] = src[k * h * w + p];
          imgs.push({ width: w, height: h, channels: c as Image['channels'], data });
        }
        const { input, shape } = preprocess(imgs, extractor.contract);
        const f = await extractor.run(input, shape);
        dim = f.length / count;
        chunks.push(f);
      }
      const out = new Float32Array(n * dim);
      let o = 0;
      for (const ch of chunks) {
        out.set(ch, o);
        o += ch.length;
      }
      return { features: out, dim };
    },
  };
}
