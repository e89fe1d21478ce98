// Random-access byte sources: positioned reads into caller-owned buffers, so memory stays bounded whatever
// the file's size. A file (fs positioned reads) or bytes already in memory.
import { open, type FileHandle } from 'node:fs/promises';
import { SafetensorsError } from './errors.ts';

export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `dst[dstOffset..]`; returns how many were read. */
  read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export class FileSource implements ByteSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new SafetensorsError('header_invalid', `${path}: not a regular file`);
      return new FileSource(path, st.size, fh);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.fh.read(dst, dstOffset, length, position);
    return bytesRead;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    this.size = bytes.length;
  }

  async read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number> {
    const n = Math.max(0, Math.min(length, this.size - position));
    dst.set(this.bytes.subarray(position, position + n), dstOffset);
    return n;
  }

  async close(): Promise<void> {}
}

/** Reads exactly `length` bytes or fails with a 'truncated' error. */
export async function readExactly(
  src: ByteSource,
  dst: Uint8Array,
  dstOffset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await src.read(dst, dstOffset + done, length - done, position + done);
    if (n <= 0) {
      throw new SafetensorsError(
        'truncated',
        `${src.name}: unexpected end of file at byte ${position + done} (wanted ${length} bytes at ${position})`,
      );
    }
    done += n;
  }
}
