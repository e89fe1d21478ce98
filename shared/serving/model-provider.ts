// Serves models to the sampler: resolves a reference through its sources (first hit wins), loads each version's
// ONNX once into the ORT engine and keeps the session for every later request (sessions are never created or
// released per request). Resolutions are cached for a short time; `promoted(ref)` drops a model's cached
// resolutions and loads what the reference now points at, so a newly promoted version is served at once. The
// resolution cache is a bounded LRU (unknown references are unbounded in number); describe() reads a version's
// manifest and signature without loading it.
import type { OrtEngine, OrtModel } from '../engine/ort/ort-engine.ts';
import type { GeneratorFamily } from '../families/generator-family.ts';
import type { FamilyResolver } from '../families/registry.ts';
import { onnxSignature, type OnnxSignature } from '../onnx/onnx-signature.ts';
import { parseModelRef } from '../registry/registry.ts';
import type { Manifest } from '../models/manifest.ts';
import type { ModelListing, ModelSource, ResolvedVersion } from './model-source.ts';

export interface LoadedModel {
  /** The reference it was asked for. */
  ref: string;
  name: string;
  tag: string;
  key: string;
  versionId?: number;
  manifest: Manifest;
  family: GeneratorFamily;
  session: OrtModel;
  signature: OnnxSignature;
  createdAt: Date;
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

/** What a reference points at, without a session: for metadata reads, which load nothing. */
export type DescribedModel = Omit<LoadedModel, 'session' | 'family'>;

export interface ModelProviderOptions {
  engine: OrtEngine;
  sources: ModelSource[];
  families: FamilyResolver;
  /** How long a resolution (ref → version) is reused (default 2000 ms; 0: resolve every time). */
  resolveTtlMs?: number;
  /** Resolutions kept at most, least recently used dropped first (default 1024): unknown references are many. */
  maxResolutions?: number;
}

const MAX_SIGNATURES = 256;

interface Loaded {
  session: OrtModel;
  signature: OnnxSignature;
  family: GeneratorFamily;
}

export class ModelProvider {
  private readonly sessions = new Map<string, Promise<Loaded>>();
  private readonly resolutions = new Map<string, { at: number; version: Promise<ResolvedVersion | undefined> }>();
  /** Signatures of versions described but not loaded (bounded like the resolutions). */
  private readonly signatures = new Map<string, Promise<OnnxSignature>>();
  private readonly ttl: number;
  private readonly maxResolutions: number;

  constructor(private readonly opts: ModelProviderOptions) {
    this.ttl = opts.resolveTtlMs ?? 2000;
    this.maxResolutions = Math.max(1, opts.maxResolutions ?? 1024);
  }

  /** How many resolutions are cached (bounded by maxResolutions). */
  get resolutionCount(): number {
    return this.resolutions.size;
  }

  /** How many distinct versions hold a session. */
  get loadedCount(): number {
    return this.sessions.size;
  }

  private resolveVersion(ref: string): Promise<ResolvedVersion | undefined> {
    const hit = this.resolutions.get(ref);
    if (hit && performance.now() - hit.at < this.ttl) {
      this.resolutions.delete(ref); // most recently used last
      this.resolutions.set(ref, hit);
      return hit.version;
    }
    this.resolutions.delete(ref);
    const version = (async () => {
      for (const s of this.opts.sources) {
        const v = await s.resolve(ref);
        if (v) return v;
      }
      return undefined;
    })();
    const entry = { at: performance.now(), version };
    this.resolutions.set(ref, entry);
    while (this.resolutions.size > this.maxResolutions) this.resolutions.delete(this.resolutions.keys().next().value!);
    version.catch(() => {
      if (this.resolutions.get(ref) === entry) this.resolutions.delete(ref);
    });
    return version;
  }

  /** The version a reference points at now, without loading it. Throws ModelNotFoundError. */
  async resolve(ref: string): Promise<ResolvedVersion> {
    let v: ResolvedVersion | undefined;
    try {
      v = await this.resolveVersion(ref);
    } catch (err) {
      if (err instanceof Error && err.name === 'RegistryError') throw new ModelNotFoundError(err.message.slice(0, 300));
      throw err;
    }
    if (!v) throw new ModelNotFoundError(`the model '${ref.slice(0, 200)}' does not exist`);
    return v;
  }

  /** What a reference points at now and its inputs and outputs, without loading it. Throws ModelNotFoundError. */
  async describe(ref: string): Promise<DescribedModel> {
    const v = await this.resolve(ref);
    const loaded = this.sessions.get(v.key);
    let signature = loaded ? loaded.then((l) => l.signature) : this.signatures.get(v.key);
    if (!signature) {
      signature = v.bytes().then((bytes) => onnxSignature(bytes));
      this.signatures.set(v.key, signature);
      while (this.signatures.size > MAX_SIGNATURES) this.signatures.delete(this.signatures.keys().next().value!);
      signature.catch(() => this.signatures.delete(v.key));
    }
    return { ...describedVersion(ref, v), signature: await signature };
  }

  /** The model a reference points at now, loaded (once per version). Throws ModelNotFoundError. */
  async get(ref: string): Promise<LoadedModel> {
    const v = await this.resolve(ref);
    let loaded = this.sessions.get(v.key);
    if (!loaded) {
      const version = v;
      loaded = (async () => {
        const family = await this.opts.families(version.manifest);
        const bytes = await version.bytes();
        const signature = onnxSignature(bytes);
        const session = await this.opts.engine.load(bytes);
        return { session, signature, family };
      })();
      this.sessions.set(v.key, loaded);
      loaded.catch(() => this.sessions.delete(version.key));
    }
    return { ...describedVersion(ref, v), ...(await loaded) };
  }

  /** Forgets the cached resolutions of the reference's model and loads what the reference points at now. */
  async promoted(ref: string): Promise<LoadedModel> {
    let name: string;
    try {
      ({ name } = parseModelRef(ref));
    } catch (err) {
      throw new ModelNotFoundError((err as Error).message.slice(0, 300));
    }
    for (const key of [...this.resolutions.keys()])
      if (key === name || key.startsWith(`${name}@`)) this.resolutions.delete(key);
    for (const s of this.opts.sources) (s as { rescan?: () => void }).rescan?.();
    return this.get(ref);
  }

  /** Every model the sources know (first source wins for a name). */
  async list(): Promise<ModelListing[]> {
    const seen = new Set<string>();
    const out: ModelListing[] = [];
    for (const s of this.opts.sources) {
      for (const m of await s.list()) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        out.push(m);
      }
    }
    return out;
  }

  async versions(name: string): Promise<string[] | undefined> {
    for (const s of this.opts.sources) {
      const v = await s.versions(name);
      if (v) return v;
    }
    return undefined;
  }
}

/** What a described or loaded model says of the version a reference resolved to. */
function describedVersion(ref: string, v: ResolvedVersion) {
  return {
    ref,
    name: v.name,
    tag: v.tag,
    key: v.key,
    versionId: v.versionId,
    manifest: v.manifest,
    createdAt: v.createdAt,
  };
}
