// One shard of a sample set, as bytes: a magic, a JSON header, then uint8 images (n × C × H × W), int32 labels and
// uint32 sample indices (the per-sample seed index j: sample j was drawn from the generator (seed, j)), all
// little-endian and 4-byte aligned.
//   "NEONSMP1" | u32 header length | header JSON (space-padded to 4) | images | pad to 4 | labels | indices

const MAGIC = 'NEONSMP1';

export interface SampleShard {
  /** Shape of one sample, channels first. */
  shape: number[];
  images: Uint8Array;
  labels: Int32Array;
  indices: Uint32Array;
}

export class SampleShardError extends Error {
  override name = 'SampleShardError';
}

const align4 = (n: number) => (n + 3) & ~3;

export function encodeSampleShard(s: SampleShard): Uint8Array {
  const n = s.labels.length;
  const per = s.shape.reduce((a, b) => a * b, 1);
  if (s.images.length !== n * per)
    throw new SampleShardError(`images have ${s.images.length} bytes, expected ${n} × ${per}`);
  if (s.indices.length !== n) throw new SampleShardError(`${s.indices.length} indices for ${n} samples`);
  let header = JSON.stringify({ n, shape: s.shape });
  header = header.padEnd(align4(8 + 4 + header.length) - 12, ' ');
  const h = new TextEncoder().encode(header);
  const imagesAt = 12 + h.length;
  const labelsAt = align4(imagesAt + s.images.length);
  const indicesAt = labelsAt + 4 * n;
  const out = new Uint8Array(indicesAt + 4 * n);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(s.images, imagesAt);
  for (let i = 0; i < n; i++) {
    dv.setInt32(labelsAt + 4 * i, s.labels[i], true);
    dv.setUint32(indicesAt + 4 * i, s.indices[i], true);
  }
  return out;
}

export function decodeSampleShard(bytes: Uint8Array, what = 'sample shard'): SampleShard {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new SampleShardError(`${what}: not a sample shard`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = dv.getUint32(8, true);
  if (12 + hl > bytes.length) throw new SampleShardError(`${what}: truncated header`);
  let header: { n: number; shape: number[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  } catch {
    throw new SampleShardError(`${what}: header is not JSON`);
  }
  const { n, shape } = header;
  if (!Number.isInteger(n) || n < 0 || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new SampleShardError(`${what}: bad header`);
  const per = shape.reduce((a, b) => a * b, 1);
  const imagesAt = 12 + hl;
  const labelsAt = align4(imagesAt + n * per);
  const indicesAt = labelsAt + 4 * n;
  if (indicesAt + 4 * n !== bytes.length)
    throw new SampleShardError(`${what}: ${bytes.length} bytes, expected ${indicesAt + 4 * n}`);
  const labels = new Int32Array(n);
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = dv.getInt32(labelsAt + 4 * i, true);
    indices[i] = dv.getUint32(indicesAt + 4 * i, true);
  }
  return { shape, images: bytes.slice(imagesAt, imagesAt + n * per), labels, indices };
}
