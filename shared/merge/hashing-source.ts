// A byte source that computes the sha256 of the whole file from the reads made anyway: bytes are hashed in
// file order as reads reach them; a read past the hashed prefix first hashes the gap (reading it), a read behind
// it costs nothing extra, and `digest()` hashes whatever remains up to the end. Each byte is hashed once and the
// extra reading is at most the bytes the merge did not read. The hashing runs on a worker thread
// (sha256-thread.ts), in place when the caller reads into shared memory (the streaming merge does); a read resolves
// once its bytes are hashed.
import type { ByteSource } from '../safetensors/byte-source.ts';
import { ThreadedSha256 } from './sha256-thread.ts';

const GAP_CHUNK = 4 << 20;

export class HashingSource implements ByteSource {
  private readonly hash = new ThreadedSha256();
  private next = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private gapBuf?: Uint8Array;

  constructor(private readonly inner: ByteSource) {}

  get name(): string {
    return this.inner.name;
  }
  get size(): number {
    return this.inner.size;
  }

  private async fillTo(position: number): Promise<void> {
    while (this.next < position) {
      const buf = (this.gapBuf ??= new Uint8Array(new SharedArrayBuffer(Math.min(GAP_CHUNK, Math.max(1, this.size)))));
      const want = Math.min(buf.length, position - this.next);
      const n = await this.inner.read(buf, 0, want, this.next);
      if (n <= 0) return;
      await this.hash.update(buf.subarray(0, n));
      this.next += n;
    }
  }

  read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number> {
    const run = async () => {
      if (position > this.next) await this.fillTo(position);
      const n = await this.inner.read(dst, dstOffset, length, position);
      const end = position + n;
      if (n > 0 && end > this.next && position <= this.next) {
        const from = this.next;
        this.next = end;
        await this.hash.update(dst.subarray(dstOffset + (from - position), dstOffset + n));
      }
      return n;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  /** The sha256 (hex) of the whole file; reads what has not been hashed yet. */
  async digest(): Promise<string> {
    await this.chain;
    await this.fillTo(this.size);
    this.gapBuf = undefined;
    return this.hash.digest();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
