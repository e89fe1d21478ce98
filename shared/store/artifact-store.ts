// The artifact store: content-addressed (sha256) blobs on a filesystem path, written atomically
// (temporary file, then rename), each with a JSON manifest recording the resolved config that made it.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile, open } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { containedPath, PathEscapeError } from '../files/contained-path.ts';
import type { Readable } from 'node:stream';

export interface ArtifactManifest {
  /** sha256 of the content, hex; also the artifact's id. */
  id: string;
  bytes: number;
  /** What the artifact is: 'onnx', 'safetensors', 'npz', 'samples', ... */
  kind: string;
  /** The resolved config that made it (free-form JSON). */
  config: Record<string, unknown>;
  created_at: string;
}

const ID = /^[0-9a-f]{64}$/;

export function isArtifactId(s: string): boolean {
  return ID.test(s);
}

export class ArtifactStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Path of an artifact's content (whether or not it exists). */
  pathOf(id: string): string {
    if (!isArtifactId(id)) throw new Error(`not an artifact id: '${id}'`);
    return join(this.root, 'blobs', id.slice(0, 2), id);
  }

  private manifestPath(id: string): string {
    return `${this.pathOf(id)}.json`;
  }

  /** A fresh temporary path inside the store (same filesystem, so rename is atomic). */
  async tempPath(suffix = ''): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  }

  /** Stores bytes; returns the manifest. Idempotent: the same bytes give the same id. */
  async put(data: Uint8Array, kind: string, config: Record<string, unknown> = {}): Promise<ArtifactManifest> {
    const tmp = await this.tempPath();
    await writeFile(tmp, data);
    return this.adopt(tmp, kind, config);
  }

  /** Stores a stream's bytes. */
  async putStream(source: Readable, kind: string, config: Record<string, unknown> = {}): Promise<ArtifactManifest> {
    const tmp = await this.tempPath();
    await pipeline(source, createWriteStream(tmp));
    return this.adopt(tmp, kind, config);
  }

  /**
   * Moves a finished file (written anywhere on the store's filesystem, e.g. at tempPath()) into the store
   * under its content hash. The file is fsynced before the rename.
   */
  async adopt(file: string, kind: string, config: Record<string, unknown> = {}): Promise<ArtifactManifest> {
    const id = await sha256File(file);
    const dest = this.pathOf(id);
    await mkdir(dirname(dest), { recursive: true });
    const fh = await open(file, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const bytes = (await stat(file)).size;
    const existing = await this.manifest(id);
    if (existing) {
      await rm(file, { force: true });
      return existing;
    }
    await rename(file, dest);
    const manifest: ArtifactManifest = { id, bytes, kind, config, created_at: new Date().toISOString() };
    const tmp = await this.tempPath('.json');
    await writeFile(tmp, JSON.stringify(manifest, null, 2));
    await rename(tmp, this.manifestPath(id));
    return manifest;
  }

  async has(id: string): Promise<boolean> {
    return (await this.manifest(id)) !== undefined;
  }

  async manifest(id: string): Promise<ArtifactManifest | undefined> {
    try {
      return JSON.parse(await readFile(this.manifestPath(id), 'utf8')) as ArtifactManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async read(id: string): Promise<Buffer> {
    return readFile(this.pathOf(id));
  }

  stream(id: string): Readable {
    return createReadStream(this.pathOf(id));
  }

  /** `text` (an error message) with the store's own location taken out: paths relative to the store. */
  relativize(text: string): string {
    return text.split(`${this.root}${sep}`).join('').split(this.root).join('.');
  }

  /**
   * Resolves a reference given by a user: an artifact id, or a path inside the store's root
   * (relative to it). Paths that escape the root are refused.
   */
  resolveRef(ref: string): string {
    if (isArtifactId(ref)) return this.pathOf(ref);
    try {
      return containedPath(this.root, ref);
    } catch (err) {
      if (err instanceof PathEscapeError)
        throw new Error(err.message.replace('outside its folder', 'outside the artifact store'), { cause: err });
      throw err;
    }
  }
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
