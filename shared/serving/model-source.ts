// Where models come from: the registry (database + artifact store) or a folder of shipped models
// (`<dir>/<name>/model.onnx` + `model.json`). A source resolves a reference to one version and its bytes.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.ts';
import { listModels, listModelVersions, parseModelRef, resolveModel, DEFAULT_ALIAS } from '../registry/registry.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { parseManifest, type Manifest } from '../models/manifest.ts';

export interface ResolvedVersion {
  name: string;
  /** The version's tag. */
  tag: string;
  /** Identifies the content: the registry's content hash, or the sha256 of a folder model's ONNX bytes. */
  key: string;
  versionId?: number;
  manifest: Manifest;
  createdAt: Date;
  bytes(): Promise<Uint8Array>;
}

export interface ModelListing {
  /** What to pass as `model`: `name` or `name@alias`. */
  id: string;
  name: string;
  createdAt: Date;
}

export interface ModelSource {
  resolve(ref: string): Promise<ResolvedVersion | undefined>;
  list(): Promise<ModelListing[]>;
  /** The version tags of a model (undefined when there is no such model). */
  versions(name: string): Promise<string[] | undefined>;
}

/** The registry: `name` (its default alias), `name@tag`, `name@alias`. */
export class RegistryModelSource implements ModelSource {
  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
  ) {}

  async resolve(ref: string): Promise<ResolvedVersion | undefined> {
    const hit = await resolveModel(this.db, ref);
    if (!hit) return undefined;
    const { model, version } = hit;
    return {
      name: model.name,
      tag: version.tag,
      key: version.contentHash,
      versionId: version.id,
      manifest: parseManifest(version.manifest, `${model.name}@${version.tag}`),
      createdAt: version.createdAt,
      bytes: () => this.store.read(version.artifactId),
    };
  }

  async list(): Promise<ModelListing[]> {
    const out: ModelListing[] = [];
    for (const m of await listModels(this.db)) {
      const v = await listModelVersions(this.db, m.name);
      if (!v || v.versions.length === 0) continue;
      out.push({ id: m.name, name: m.name, createdAt: m.createdAt });
      for (const alias of Object.keys(v.aliases))
        if (alias !== DEFAULT_ALIAS) out.push({ id: `${m.name}@${alias}`, name: m.name, createdAt: m.createdAt });
    }
    return out;
  }

  async versions(name: string): Promise<string[] | undefined> {
    const v = await listModelVersions(this.db, name);
    return v?.versions.map((x) => x.tag);
  }
}

interface FolderModel {
  name: string;
  dir: string;
  manifest: Manifest;
  createdAt: Date;
}

/** A folder of models, each `<name>/model.onnx` + `<name>/model.json`; one version each, tag `base`. */
export class FolderModelSource implements ModelSource {
  static readonly TAG = 'base';
  private scanned: Promise<Map<string, FolderModel>> | undefined;
  private readonly keys = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** Forgets what was read, so a model added or replaced on disk is seen. */
  rescan(): void {
    this.scanned = undefined;
    this.keys.clear();
  }

  private scan(): Promise<Map<string, FolderModel>> {
    this.scanned ??= (async () => {
      const out = new Map<string, FolderModel>();
      let names: string[];
      try {
        names = await readdir(this.dir);
      } catch {
        return out;
      }
      for (const name of names.sort()) {
        const dir = join(this.dir, name);
        try {
          const json = await readFile(join(dir, 'model.json'), 'utf8');
          const s = await stat(join(dir, 'model.onnx'));
          const manifest = parseManifest(JSON.parse(json), join(dir, 'model.json'));
          out.set(manifest.name, { name: manifest.name, dir, manifest, createdAt: s.mtime });
        } catch {
          // not a model folder (no model.json / model.onnx, or a manifest that does not parse): not served
        }
      }
      return out;
    })();
    return this.scanned;
  }

  async resolve(ref: string): Promise<ResolvedVersion | undefined> {
    const { name, selector } = parseModelRef(ref);
    if (selector !== undefined && selector !== FolderModelSource.TAG) return undefined;
    const m = (await this.scan()).get(name);
    if (!m) return undefined;
    const path = join(m.dir, 'model.onnx');
    let key = this.keys.get(name);
    if (!key) {
      key = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      this.keys.set(name, key);
    }
    return {
      name,
      tag: FolderModelSource.TAG,
      key,
      manifest: m.manifest,
      createdAt: m.createdAt,
      bytes: () => readFile(path),
    };
  }

  async list(): Promise<ModelListing[]> {
    return [...(await this.scan()).values()].map((m) => ({ id: m.name, name: m.name, createdAt: m.createdAt }));
  }

  async versions(name: string): Promise<string[] | undefined> {
    return (await this.scan()).has(name) ? [FolderModelSource.TAG] : undefined;
  }
}

/** Models registered in memory (tests, benchmarks): name → ONNX bytes + manifest, tag `base`. */
export class MemoryModelSource implements ModelSource {
  private readonly models = new Map<string, { onnx: Uint8Array; manifest: Manifest; key: string; createdAt: Date }>();

  add(onnx: Uint8Array, manifest: Manifest): this {
    this.models.set(manifest.name, {
      onnx,
      manifest,
      key: createHash('sha256').update(onnx).digest('hex'),
      createdAt: new Date(),
    });
    return this;
  }

  async resolve(ref: string): Promise<ResolvedVersion | undefined> {
    const { name, selector } = parseModelRef(ref);
    const m = this.models.get(name);
    if (!m || (selector !== undefined && selector !== 'base')) return undefined;
    return { name, tag: 'base', key: m.key, manifest: m.manifest, createdAt: m.createdAt, bytes: async () => m.onnx };
  }

  async list(): Promise<ModelListing[]> {
    return [...this.models.values()].map((m) => ({
      id: m.manifest.name,
      name: m.manifest.name,
      createdAt: m.createdAt,
    }));
  }

  async versions(name: string): Promise<string[] | undefined> {
    return this.models.has(name) ? ['base'] : undefined;
  }
}
