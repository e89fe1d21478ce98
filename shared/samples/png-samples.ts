// A sample set as a folder of PNG files named by global sample index (zero-padded, so that sorted names are index
// order and shards of one set can share a folder), each written atomically (temporary name, then rename), and one
// `shard-<i>-of-<N>.json` per shard with the settings, the model version and the labels of its samples.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { imagesToPng } from './png-encode.ts';

/** `000123.png`: at least 6 digits, more when n needs them, so every shard of a set pads the same. */
export function sampleFileName(index: number, n: number): string {
  const width = Math.max(6, String(Math.max(0, n - 1)).length);
  return `${String(index).padStart(width, '0')}.png`;
}

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export class PngSampleWriter {
  constructor(
    readonly dir: string,
    readonly n: number,
    readonly shape: readonly number[],
  ) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Writes images first..first+count−1; returns their file names. */
  async write(first: number, images: Uint8Array, count: number): Promise<string[]> {
    const pngs = imagesToPng(images, this.shape, count);
    const names = pngs.map((_, i) => sampleFileName(first + i, this.n));
    await Promise.all(pngs.map((png, i) => atomicWrite(join(this.dir, names[i]), png)));
    return names;
  }

  async writeShardManifest(shard: { index: number; count: number }, body: Record<string, unknown>): Promise<string> {
    const path = join(this.dir, `shard-${shard.index}-of-${shard.count}.json`);
    await atomicWrite(path, `${JSON.stringify(body, null, 2)}\n`);
    return path;
  }
}
