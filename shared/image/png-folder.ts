// A folder of PNG images as a feature-extraction source: files in sorted (code-point) order, all of one size;
// shard i of N is the contiguous range [⌊i·count/N⌋, ⌊(i+1)·count/N⌋) of that order.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePng } from './png.ts';
import type { Image } from './png.ts';

export class ImageSourceError extends Error {
  override name = 'ImageSourceError';
}

export interface Shard {
  index: number;
  count: number;
}

/** The contiguous range of items [start, end) that shard `index` of `count` takes from `total` items. */
export function shardRange(total: number, shard: Shard): { start: number; end: number } {
  if (!Number.isInteger(shard.count) || shard.count < 1)
    throw new ImageSourceError(`shard count must be a positive integer, got ${shard.count}`);
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count)
    throw new ImageSourceError(`shard index must be in 0..${shard.count - 1}, got ${shard.index}`);
  return {
    start: Math.floor((shard.index * total) / shard.count),
    end: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}

export class PngFolder {
  private constructor(
    readonly dir: string,
    readonly files: string[],
  ) {}

  /**
   * Lists the folder's *.png files (sorted); a folder without any is an error naming it. `refuseLinks`: an image that
   * is a symbolic link is an error (for folders inside a store, whose links could point anywhere on the host).
   */
  static async open(dir: string, opts: { refuseLinks?: boolean } = {}): Promise<PngFolder> {
    let entries;
    try {
      if (!(await stat(dir)).isDirectory()) throw new ImageSourceError(`${dir}: not a folder`);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (err instanceof ImageSourceError) throw err;
      throw new ImageSourceError(
        `${dir}: cannot read folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    const pngs = entries.filter((e) => e.name.toLowerCase().endsWith('.png'));
    const link = opts.refuseLinks ? pngs.find((e) => e.isSymbolicLink()) : undefined;
    if (link)
      throw new ImageSourceError(`image '${link.name}' is a symbolic link; links are not followed in the store`);
    const files = pngs.map((e) => e.name).sort();
    if (files.length === 0) throw new ImageSourceError(`${dir}: folder has no .png images`);
    return new PngFolder(dir, files);
  }

  /** The file names of one shard (all files when no shard is given). */
  select(shard?: Shard): string[] {
    if (!shard) return this.files;
    if (shard.count > this.files.length)
      throw new ImageSourceError(
        `shard ${shard.index}/${shard.count}: ${this.files.length} images cannot make ${shard.count} shards (every shard must hold an image)`,
      );
    const { start, end } = shardRange(this.files.length, shard);
    return this.files.slice(start, end);
  }

  /** Width and height of the folder's first image (from its IHDR chunk), the size every image must have. */
  async referenceSize(): Promise<{ name: string; width: number; height: number }> {
    const name = join(this.dir, this.files[0]);
    const fh = await open(name, 'r');
    try {
      const head = new Uint8Array(24);
      await fh.read(head, 0, 24, 0);
      const dv = new DataView(head.buffer);
      if (String.fromCharCode(head[12], head[13], head[14], head[15]) !== 'IHDR')
        throw new ImageSourceError(`${name}: not a PNG file`);
      return { name, width: dv.getUint32(16), height: dv.getUint32(20) };
    } finally {
      await fh.close();
    }
  }

  /** Decodes the given files in batches, checking that every image has the size of the folder's first. */
  async *batches(files: string[], batchSize: number): AsyncGenerator<{ names: string[]; images: Image[] }> {
    // a shard checks against the whole folder's first image, so that shards of a mixed folder fail too
    let ref: { name: string; width: number; height: number } | null =
      files.length > 0 ? await this.referenceSize() : null;
    for (let i = 0; i < files.length; i += batchSize) {
      const names = files.slice(i, i + batchSize);
      const images: Image[] = [];
      for (const name of names) {
        const path = join(this.dir, name);
        const img = decodePng(await readFile(path), path);
        if (!ref) ref = { name: path, width: img.width, height: img.height };
        else if (img.width !== ref.width || img.height !== ref.height) {
          throw new ImageSourceError(
            `${path}: image is ${img.width}×${img.height}, but ${ref.name} is ${ref.width}×${ref.height} (mixed sizes)`,
          );
        }
        images.push(img);
      }
      yield { names, images };
    }
  }
}
