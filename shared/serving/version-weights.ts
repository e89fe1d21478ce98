// A model version's weights as a file: its ONNX graph as stored, or its initializers (the weights, by parameter
// name) as safetensors — what `neon export` writes and `GET /v1/models/{ref}/weights` sends, and what `neon merge`
// reads. The safetensors metadata names the version it came from.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { exportSafetensors } from '../models/model-files.ts';
import { decodeModel } from '../onnx/onnx-proto.ts';
import type { ResolvedVersion } from './model-source.ts';

export const WEIGHT_FORMATS = ['onnx', 'safetensors'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** The file name a version's weights go by: `<name>-<tag>.<format>`. */
export function weightsFileName(version: Pick<ResolvedVersion, 'name' | 'tag'>, format: WeightFormat): string {
  return `${version.name}-${version.tag}.${format}`;
}

/** Writes the version's weights to `out` in the format; returns the ONNX bytes' sha256. */
export async function writeVersionWeights(
  version: ResolvedVersion,
  format: WeightFormat,
  out: string,
): Promise<{ source_sha256: string }> {
  const bytes = await version.bytes();
  const source_sha256 = createHash('sha256').update(bytes).digest('hex');
  if (format === 'onnx') await writeFile(out, bytes);
  else {
    await exportSafetensors(decodeModel(bytes), out, {
      source_sha256,
      name: version.name,
      tag: version.tag,
      content_hash: version.key,
      family: version.manifest.family,
    });
  }
  return { source_sha256 };
}
