// The one registration path of shipped models (a models folder: `<name>/model.onnx` + `model.json`), used by
// `neon serve` (every folder) and `neon run` (the one it needs), idempotently: the ONNX bytes go to the artifact store, the version
// (content hash over the artifact id and the parsed manifest, the registry's default) is tagged `base`. A shipped
// model whose files changed since `base` was registered becomes `base-<12 hex of its content hash>`; the bare name
// (the `default` alias) follows it only while it still points at a shipped version (a promoted one keeps it).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.ts';
import {
  DEFAULT_ALIAS,
  listModelVersions,
  registerModelVersion,
  setAlias,
  versionContentHash,
} from '../registry/registry.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { parseManifest } from '../models/manifest.ts';

export interface RegisteredShipped {
  name: string;
  tag: string;
  versionId: number;
  created: boolean;
}

const isShippedTag = (tag: string) => tag === 'base' || tag.startsWith('base-');

/** Registers every model folder under `dir`. Folders without model.onnx + model.json are not models; a manifest that does not parse is reported to `onSkip`. */
export async function registerShippedModels(
  db: Db,
  store: ArtifactStore,
  dir: string,
  onSkip: (folder: string, why: string) => void = () => {},
): Promise<RegisteredShipped[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: RegisteredShipped[] = [];
  for (const folder of names) {
    const r = await registerShippedModel(db, store, dir, folder, onSkip);
    if (r) out.push(r);
  }
  return out;
}

/** Registers the model in `dir/folder` (undefined: not a model folder, or its manifest was reported to `onSkip`). */
export async function registerShippedModel(
  db: Db,
  store: ArtifactStore,
  dir: string,
  folder: string,
  onSkip: (folder: string, why: string) => void = () => {},
): Promise<RegisteredShipped | undefined> {
  let json: string, onnx: Buffer;
  try {
    json = await readFile(join(dir, folder, 'model.json'), 'utf8');
    onnx = await readFile(join(dir, folder, 'model.onnx'));
  } catch {
    return undefined;
  }
  let parsed;
  try {
    parsed = parseManifest(JSON.parse(json), join(dir, folder, 'model.json'));
  } catch (err) {
    onSkip(folder, (err as Error).message);
    return undefined;
  }
  const manifest = parsed;
  const artifact = await store.put(onnx, 'onnx', { model: parsed.name, shipped: `models/${folder}` });
  const hash = versionContentHash(artifact.id, manifest);
  const before = await listModelVersions(db, parsed.name);
  const same = before?.versions.find((v) => v.contentHash === hash);
  if (same) return { name: parsed.name, tag: same.tag, versionId: same.id, created: false };
  const tag = before?.versions.some((v) => v.tag === 'base') ? `base-${hash.slice(0, 12)}` : 'base';
  const r = await registerModelVersion(db, { model: parsed.name, tag, artifact, manifest });
  const current = before?.versions.find((v) => v.id === before.aliases[DEFAULT_ALIAS]);
  if (current && isShippedTag(current.tag)) await setAlias(db, parsed.name, DEFAULT_ALIAS, r.version.id);
  return { name: parsed.name, tag: r.version.tag, versionId: r.version.id, created: r.created };
}
