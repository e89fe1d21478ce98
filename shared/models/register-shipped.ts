// Registers the shipped models (a models folder: `<name>/model.onnx` + `model.json`) in the registry, idempotently:
// the ONNX bytes go to the artifact store, the version is tagged `base-<first 12 hex of its content hash>` and the
// alias `base` points at it. The bare name (the `default` alias) is set on a model's first version, and moved to a
// newer shipped version only while it still points at a shipped one (a promoted version keeps it).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.ts';
import { DEFAULT_ALIAS, listModelVersions, registerModelVersion, setAlias, versionContentHash } from '../registry/registry.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { parseManifest } from './manifest.ts';

export interface RegisteredShipped {
  name: string;
  tag: string;
  versionId: number;
  created: boolean;
}

export async function registerShippedModels(db: Db, store: ArtifactStore, dir: string): Promise<RegisteredShipped[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: RegisteredShipped[] = [];
  for (const folder of names) {
    let json: string, onnx: Buffer;
    try {
      json = await readFile(join(dir, folder, 'model.json'), 'utf8');
      onnx = await readFile(join(dir, folder, 'model.onnx'));
    } catch {
      continue;
    }
    const manifest = parseManifest(JSON.parse(json), join(dir, folder, 'model.json'));
    const raw = JSON.parse(json) as Record<string, unknown>;
    const artifact = await store.put(onnx, 'onnx', { model: manifest.name, shipped: true });
    const hash = versionContentHash(artifact.id, raw);
    const tag = `base-${hash.slice(0, 12)}`;
    const r = await registerModelVersion(db, { model: manifest.name, tag, artifact, manifest: raw, contentHash: hash });
    const listing = await listModelVersions(db, manifest.name);
    const current = listing?.versions.find((v) => v.id === listing.aliases[DEFAULT_ALIAS]);
    if (current && current.id !== r.version.id && current.tag.startsWith('base-')) await setAlias(db, manifest.name, DEFAULT_ALIAS, r.version.id);
    await setAlias(db, manifest.name, 'base', r.version.id);
    out.push({ name: manifest.name, tag: r.version.tag, versionId: r.version.id, created: r.created });
  }
  return out;
}
