// A synthetic sample set S as one artifact: the n samples' uint8 values (n × elements per sample, channels first)
// followed by their n int32 labels (little-endian). The artifact's manifest records n, the shape and what made it.
import type { ArtifactManifest, ArtifactStore } from '../../shared/store/artifact-store.ts';
import type { TrainData } from '../../shared/neon/train-loop.ts';

export const SAMPLE_SET_KIND = 'neon-samples';

export function encodeSampleSet(images: Uint8Array, labels: Int32Array): Uint8Array {
  const out = new Uint8Array(images.length + 4 * labels.length);
  out.set(images, 0);
  const dv = new DataView(out.buffer, images.length);
  for (let i = 0; i < labels.length; i++) dv.setInt32(4 * i, labels[i], true);
  return out;
}

export function decodeSampleSet(bytes: Uint8Array, n: number, shape: readonly number[]): TrainData {
  const per = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * per + 4 * n) throw new Error(`sample set: ${bytes.length} bytes, expected ${n * per + 4 * n} for ${n} samples of shape [${shape.join(', ')}]`);
  const images = bytes.slice(0, n * per);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + n * per, 4 * n);
  const labels = Int32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
  return { images, labels, n };
}

export async function putSampleSet(store: ArtifactStore, images: Uint8Array, labels: Int32Array, config: { n: number; shape: readonly number[] } & Record<string, unknown>): Promise<ArtifactManifest> {
  return store.put(encodeSampleSet(images, labels), SAMPLE_SET_KIND, { ...config, shape: [...config.shape] });
}

export async function readSampleSet(store: ArtifactStore, id: string): Promise<TrainData> {
  const m = await store.manifest(id);
  if (!m || m.kind !== SAMPLE_SET_KIND) throw new Error(`artifact ${id} is not a sample set`);
  return decodeSampleSet(new Uint8Array(await store.read(id)), Number(m.config.n), m.config.shape as number[]);
}
