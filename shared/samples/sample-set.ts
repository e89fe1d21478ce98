// A sample set in the artifact store: shards (kind 'sample-shard', see sample-shard.ts) and one manifest artifact
// (kind 'samples', JSON) naming them in order, with the sampler settings and the model version that made them.
// The manifest's artifact id is the sample set's id; it is a function of the samples and settings alone (the
// store records when it was written), so drawing the same set again gives the same id. This is the one stored
// sample-set format: `neon sample`, the `synthesize` job and the synthesis step of `neon run` all write it.
import type { ArtifactManifest, ArtifactStore } from '../store/artifact-store.ts';
import type { ResolvedSettings } from './sample-settings.ts';
import { decodeSampleShard, encodeSampleShard, type SampleShard } from './sample-shard.ts';

export const SAMPLE_SET_FORMAT = 'neon-samples/1';

export interface ModelVersionInfo {
  /** The model's name and the reference it was asked for (`name`, `name@tag`, `name@alias`). */
  name: string;
  ref: string;
  tag: string;
  /** The version's content hash (registry) or the sha256 of its ONNX bytes (models folder). */
  content_hash: string;
}

export interface SampleSetManifest {
  format: typeof SAMPLE_SET_FORMAT;
  n: number;
  shape: number[];
  model: ModelVersionInfo;
  settings: ResolvedSettings;
  /** The shards in order; shard k holds the samples listed in its own indices (first..first+n−1 when written here). */
  shards: { id: string; n: number; first: number }[];
}

export class SampleSetError extends Error {
  override name = 'SampleSetError';
}

/** Writes a sample set: add samples in any batch size; every `shardSize` samples become one shard artifact. */
export class SampleSetWriter {
  private images: Uint8Array[] = [];
  private labels: number[] = [];
  private indices: number[] = [];
  private readonly shards: SampleSetManifest['shards'] = [];
  /** The store manifests of the shard artifacts written so far. */
  readonly shardArtifacts: ArtifactManifest[] = [];
  private count = 0;
  private readonly per: number;

  constructor(
    private readonly store: ArtifactStore,
    private readonly meta: { shape: number[]; model: ModelVersionInfo; settings: ResolvedSettings; shardSize?: number },
  ) {
    this.per = meta.shape.reduce((a, b) => a * b, 1);
  }

  get written(): number {
    return this.count;
  }

  /** Adds n samples: images n × C × H × W, their labels and their sample indices. */
  async add(images: Uint8Array, labels: ArrayLike<number>, indices: ArrayLike<number>): Promise<void> {
    const n = labels.length;
    if (images.length !== n * this.per || indices.length !== n)
      throw new SampleSetError(`add: ${n} labels, ${indices.length} indices, ${images.length} image bytes`);
    const size = this.meta.shardSize ?? 4096;
    for (let i = 0; i < n; i++) {
      this.images.push(images.subarray(i * this.per, (i + 1) * this.per));
      this.labels.push(labels[i]);
      this.indices.push(indices[i]);
      this.count++;
      if (this.labels.length >= size) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const n = this.labels.length;
    if (n === 0) return;
    const images = new Uint8Array(n * this.per);
    this.images.forEach((im, i) => images.set(im, i * this.per));
    const shard: SampleShard = {
      shape: this.meta.shape,
      images,
      labels: Int32Array.from(this.labels),
      indices: Uint32Array.from(this.indices),
    };
    const m = await this.store.put(encodeSampleShard(shard), 'sample-shard', {
      n,
      first: this.indices[0],
      model: this.meta.model.ref,
    });
    this.shards.push({ id: m.id, n, first: this.indices[0] });
    this.shardArtifacts.push(m);
    this.images = [];
    this.labels = [];
    this.indices = [];
  }

  /** Writes the last shard and the manifest; returns the set's id and manifest. */
  async finish(): Promise<{ id: string; manifest: SampleSetManifest; artifact: ArtifactManifest }> {
    await this.flush();
    const manifest: SampleSetManifest = {
      format: SAMPLE_SET_FORMAT,
      n: this.count,
      shape: this.meta.shape,
      model: this.meta.model,
      settings: this.meta.settings,
      shards: this.shards,
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    const m = await this.store.put(bytes, 'samples', {
      format: SAMPLE_SET_FORMAT,
      n: this.count,
      model: this.meta.model,
      settings: this.meta.settings,
      shards: this.shards.length,
    });
    return { id: m.id, manifest, artifact: m };
  }
}

/** Reads a sample set by the id of its manifest artifact. */
export class SampleSetReader {
  private constructor(
    private readonly store: ArtifactStore,
    readonly id: string,
    readonly manifest: SampleSetManifest,
  ) {}

  static async open(store: ArtifactStore, id: string): Promise<SampleSetReader> {
    const a = await store.manifest(id);
    if (!a) throw new SampleSetError(`no artifact '${id}'`);
    if (a.kind !== 'samples') throw new SampleSetError(`artifact '${id}' is a '${a.kind}', not a sample set`);
    const manifest = JSON.parse((await store.read(id)).toString('utf8')) as SampleSetManifest;
    if (manifest.format !== SAMPLE_SET_FORMAT)
      throw new SampleSetError(`sample set '${id}': unknown format '${manifest.format}'`);
    return new SampleSetReader(store, id, manifest);
  }

  /** The shards in order. */
  async *shards(): AsyncGenerator<SampleShard> {
    for (const s of this.manifest.shards) yield decodeSampleShard(await this.store.read(s.id), `sample shard ${s.id}`);
  }

  /** Every sample at once (small sets, tests, training batches). */
  async readAll(): Promise<SampleShard> {
    const per = this.manifest.shape.reduce((a, b) => a * b, 1);
    const images = new Uint8Array(this.manifest.n * per);
    const labels = new Int32Array(this.manifest.n);
    const indices = new Uint32Array(this.manifest.n);
    let at = 0;
    for await (const s of this.shards()) {
      images.set(s.images, at * per);
      labels.set(s.labels, at);
      indices.set(s.indices, at);
      at += s.labels.length;
    }
    if (at !== this.manifest.n)
      throw new SampleSetError(`sample set '${this.id}': shards hold ${at} samples, manifest says ${this.manifest.n}`);
    return { shape: this.manifest.shape, images, labels, indices };
  }
}
