// Reading a safetensors file: the header is read and validated up front (allocating only N bytes, after N has
// been checked against the limit and the file's size); tensor data is then read on demand by positioned reads
// into buffers the caller owns.
import { readExactly, FileSource, type ByteSource } from './byte-source.ts';
import { headerLength, parseHeader, type SafetensorsHeader, type TensorInfo } from './header.ts';
import { SafetensorsError } from './errors.ts';

export interface ReadOptions {
  /** Called with the size of every buffer the reader allocates (lets tests bound memory use). */
  onAllocate?: (bytes: number) => void;
}

export class SafetensorsFile {
  private readonly byName: Map<string, TensorInfo>;
  constructor(
    readonly source: ByteSource,
    readonly header: SafetensorsHeader,
  ) {
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  get name(): string {
    return this.source.name;
  }
  get tensors(): readonly TensorInfo[] {
    return this.header.tensors;
  }
  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  tensor(name: string): TensorInfo | undefined {
    return this.byName.get(name);
  }

  /** Absolute file position of a tensor's first byte. */
  position(t: TensorInfo): number {
    return this.header.dataStart + t.begin;
  }

  /** Reads `length` bytes of tensor `t` starting `offset` bytes into it. */
  async readTensorRange(
    t: TensorInfo,
    offset: number,
    dst: Uint8Array,
    dstOffset: number,
    length: number,
  ): Promise<void> {
    if (offset < 0 || length < 0 || offset + length > t.end - t.begin) {
      throw new RangeError(
        `tensor ${JSON.stringify(t.name)}: range ${offset}+${length} is outside its ${t.end - t.begin} bytes`,
      );
    }
    await readExactly(this.source, dst, dstOffset, length, this.position(t) + offset);
  }

  /** A whole tensor's bytes (allocates its size: for small tensors and tests). */
  async readTensor(name: string): Promise<Uint8Array> {
    const t = this.byName.get(name);
    if (!t) throw new SafetensorsError('header_invalid', `${this.name}: no tensor ${JSON.stringify(name)}`);
    const out = new Uint8Array(t.end - t.begin);
    await this.readTensorRange(t, 0, out, 0, out.length);
    return out;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** Reads and validates the header of a source. */
export async function readHeader(
  src: ByteSource,
  opts: ReadOptions = {},
): Promise<{ header: SafetensorsHeader; headerBytes: Uint8Array }> {
  if (src.size < 8) headerLength(new Uint8Array(0), src.size, src.name); // throws 'truncated'
  const prefix = new Uint8Array(8);
  opts.onAllocate?.(8);
  await readExactly(src, prefix, 0, 8, 0);
  const n = headerLength(prefix, src.size, src.name);
  opts.onAllocate?.(8 + n);
  const headerBytes = new Uint8Array(8 + n);
  headerBytes.set(prefix);
  await readExactly(src, headerBytes, 8, n, 8);
  return { header: parseHeader(headerBytes.subarray(8), src.size, src.name), headerBytes };
}

export async function openSafetensorsSource(src: ByteSource, opts: ReadOptions = {}): Promise<SafetensorsFile> {
  const { header } = await readHeader(src, opts);
  return new SafetensorsFile(src, header);
}

export async function openSafetensors(path: string, opts: ReadOptions = {}): Promise<SafetensorsFile> {
  const src = await FileSource.open(path);
  try {
    return await openSafetensorsSource(src, opts);
  } catch (err) {
    await src.close();
    throw err;
  }
}
