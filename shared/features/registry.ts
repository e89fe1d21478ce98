// Names the command line and the service accept for extractors (`--extractor NAME|PATH`) and for datasets whose
// reference statistics the project ships (`fmnist:train`, `fmnist:test`). Shipped files live under models/ in the
// repository; a name whose files are missing is an error that says so (never a stand-in).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeatureExtractor } from './extractor.ts';
import { createOnnxExtractor } from './onnx-extractor.ts';
import { INCEPTION_CONTRACT } from './preprocess.ts';
import type { PreprocessContract } from './preprocess.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

export const DEFAULT_EXTRACTOR = 'fmnist';

interface ShippedExtractor {
  /** model and contract, relative to the repository root */
  model: string;
  contract: string;
  note: string;
}

const EXTRACTORS: Record<string, ShippedExtractor> = {
  fmnist: {
    model: 'models/fmnist/extractor.onnx',
    contract: 'models/fmnist/contract.json',
    note: "the project's Fashion-MNIST classifier (penultimate features), made by npm run train:classifier (scripts/train-fmnist-classifier.ts)",
  },
};

/** Reference statistics shipped for dataset names, and the extractor they were computed with. */
const DATASETS: Record<string, { stats: string; extractor: string }> = {
  'fmnist:train': { stats: 'models/fid-refs/fmnist-train.npz', extractor: 'fmnist' },
  'fmnist:test': { stats: 'models/fid-refs/fmnist-test.npz', extractor: 'fmnist' },
};

export function isDatasetName(s: string): boolean {
  return /^[a-z0-9_-]+:[a-z0-9_-]+$/i.test(s) && !existsSync(s);
}

/** Path of a dataset's shipped reference statistics; throws UnavailableError if unknown or missing. */
export function datasetStatsPath(name: string, root = REPO_ROOT): { path: string; extractor: string } {
  const ds = DATASETS[name];
  if (!ds) throw new UnavailableError(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const path = join(root, ds.stats);
  if (!existsSync(path)) {
    throw new UnavailableError(
      `reference statistics for '${name}' are missing (${ds.stats}): they are computed with the '${ds.extractor}' extractor, ${EXTRACTORS[ds.extractor]?.note ?? 'which is not available'}`,
    );
  }
  return { path, extractor: ds.extractor };
}

function readContract(path: string): PreprocessContract {
  const c = JSON.parse(readFileSync(path, 'utf8')) as PreprocessContract;
  if (
    !(
      c.height > 0 &&
      c.width > 0 &&
      (c.channels === 1 || c.channels === 3) &&
      Array.isArray(c.range) &&
      (c.resize === 'bilinear' || c.resize === 'none')
    )
  ) {
    throw new Error(
      `${path}: not a preprocessing contract ({height, width, channels: 1|3, range: [lo, hi], resize: 'bilinear'|'none'})`,
    );
  }
  return c;
}

/**
 * Resolves `--extractor NAME|PATH`. A path to an .onnx file runs on onnxruntime-node with the contract in
 * `<model>.json` beside it if present, else pytorch-fid's Inception-v3 contract.
 */
/** The names of the shipped extractors. */
export function extractorNames(): string[] {
  return Object.keys(EXTRACTORS);
}

/**
 * An extractor by registered name only (never a path): what the HTTP surface accepts, so a request can neither
 * load a file outside the store nor learn whether one exists.
 */
export function resolveNamedExtractor(name: string, root = REPO_ROOT): Promise<FeatureExtractor> {
  if (!Object.hasOwn(EXTRACTORS, name))
    throw new UnknownExtractorError(
      `extractor: unknown extractor '${name.slice(0, 100)}' (names: ${extractorNames().join(', ')})`,
    );
  return resolveExtractor(name, root);
}

export class UnknownExtractorError extends Error {
  override name = 'UnknownExtractorError';
}

export async function resolveExtractor(spec: string = DEFAULT_EXTRACTOR, root = REPO_ROOT): Promise<FeatureExtractor> {
  const shipped = EXTRACTORS[spec];
  if (shipped) {
    const model = join(root, shipped.model);
    if (!existsSync(model)) {
      throw new UnavailableError(
        `the '${spec}' extractor is missing (${shipped.model}): ${shipped.note}. Pass --extractor PATH.onnx, e.g. pytorch-fid's Inception-v3 exported to ONNX (docs/FID.md)`,
      );
    }
    const ex = await createOnnxExtractor(model, readContract(join(root, shipped.contract)));
    ex.name = spec;
    return ex;
  }
  if (!spec.endsWith('.onnx'))
    throw new UnavailableError(
      `unknown extractor '${spec}' (names: ${Object.keys(EXTRACTORS).join(', ')}; or a path to an .onnx file)`,
    );
  if (!existsSync(spec)) throw new UnavailableError(`${spec}: no such ONNX model`);
  const sidecar = spec.replace(/\.onnx$/, '.json');
  return createOnnxExtractor(spec, existsSync(sidecar) ? readContract(sidecar) : INCEPTION_CONTRACT);
}
