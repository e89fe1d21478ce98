// Writing a safetensors file: the header (padded with spaces so data starts at a multiple of 8) is fixed up
// front from the tensors' dtypes and shapes; data is then written tensor by tensor, in chunks, to a temporary
// file beside the target, which is fsynced and renamed into place only when every byte has been written.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { encodeHeader, type TensorSpec } from './header.ts';
import { SafetensorsError } from './errors.ts';

export class SafetensorsWriter {
  private readonly index = new Map<string, number>();
  private readonly written: number[];
  private done = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    readonly specs: readonly TensorSpec[],
    private readonly offsets: [number, number][],
    private readonly dataStart: number,
    private readonly headerJsonBytes: number,
  ) {
    specs.forEach((s, i) => this.index.set(s.name, i));
    this.written = specs.map(() => 0);
  }

  /**
   * Starts a file with these tensors, in this order. The metadata can be replaced at `finish` by one whose
   * encoding is no longer (e.g. hex hashes only known at the end, written over placeholders of the same length).
   */
  static async create(
    path: string,
    specs: readonly TensorSpec[],
    metadata: Record<string, string> = {},
  ): Promise<SafetensorsWriter> {
    const header = encodeHeader(specs, metadata);
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.write(header.bytes, 0, header.bytes.length, 0);
      if (header.dataBytes > 0) await fh.truncate(header.bytes.length + header.dataBytes);
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    return new SafetensorsWriter(path, tmp, fh, specs, header.offsets, header.bytes.length, header.bytes.length - 8);
  }

  get dataBytes(): number {
    return this.offsets.length ? this.offsets[this.offsets.length - 1][1] : 0;
  }

  /** Writes `bytes` into tensor `name` starting `offset` bytes into it. */
  async write(name: string, offset: number, bytes: Uint8Array, length = bytes.length): Promise<void> {
    const i = this.index.get(name);
    if (i === undefined)
      throw new SafetensorsError('write_error', `${this.path}: no tensor ${JSON.stringify(name)} in this file`);
    const [begin, end] = this.offsets[i];
    if (offset < 0 || offset + length > end - begin) {
      throw new SafetensorsError(
        'write_error',
        `${this.path}: write of ${length} bytes at ${offset} overruns tensor ${JSON.stringify(name)} (${end - begin} bytes)`,
      );
    }
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.fh.write(bytes, done, length - done, this.dataStart + begin + offset + done);
      done += bytesWritten;
    }
    this.written[i] += length;
  }

  /**
   * Checks every tensor was written in full, optionally rewrites the metadata (the new header must fit in the
   * space of the old one; it is padded with spaces to the same length), fsyncs and renames into place.
   */
  async finish(metadata?: Record<string, string>): Promise<void> {
    if (this.done) throw new SafetensorsError('write_error', `${this.path}: already finished`);
    try {
      this.specs.forEach((s, i) => {
        const need = this.offsets[i][1] - this.offsets[i][0];
        if (this.written[i] !== need) {
          throw new SafetensorsError(
            'write_error',
            `${this.path}: tensor ${JSON.stringify(s.name)} got ${this.written[i]} of its ${need} bytes`,
          );
        }
      });
      if (metadata) {
        const h = encodeHeader(this.specs, metadata);
        const jsonLen = h.bytes.length - 8;
        let end = jsonLen;
        while (end > 0 && h.bytes[8 + end - 1] === 0x20) end--;
        if (end > this.headerJsonBytes) {
          throw new SafetensorsError(
            'write_error',
            `${this.path}: the final metadata does not fit the header written at the start`,
          );
        }
        const bytes = new Uint8Array(this.dataStart).fill(0x20, 8);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(this.headerJsonBytes), true);
        bytes.set(h.bytes.subarray(8, 8 + end), 8);
        await this.fh.write(bytes, 0, bytes.length, 0);
      }
      await this.fh.sync();
      await this.fh.close();
      this.done = true;
      await rename(this.tmp, this.path);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Drops the temporary file. */
  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => {});
    }
    await rm(this.tmp, { force: true });
  }
}

export interface TensorData extends TensorSpec {
  data: Uint8Array;
}

/** Writes a whole (small) file at once. */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorData[],
  metadata: Record<string, string> = {},
): Promise<void> {
  const w = await SafetensorsWriter.create(path, tensors, metadata);
  try {
    for (const t of tensors) await w.write(t.name, 0, t.data);
  } catch (err) {
    await w.abort();
    throw err;
  }
  await w.finish();
}
