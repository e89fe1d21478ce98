// The streaming driver: walks the plan tensor by tensor in chunks of bounded size, reading base and self chunk
// k+1 while chunk k is computed and chunk k-1 is written (double buffering), one output per w. Memory is a fixed
// set of chunk buffers whatever the checkpoint's size.
import { mergeChunk } from './merge-kernel.ts';
import type { MergePlan } from './merge-plan.ts';
import type { TensorInput } from './merge-input.ts';

export interface MergeSink {
  /** Writes `length` bytes of `bytes` into tensor `name` at `offset` bytes into it. */
  write(name: string, offset: number, bytes: Uint8Array, length: number): Promise<void>;
}

export interface MergeProgress {
  /** Input bytes read so far (base + self). */
  bytesDone: number;
  bytesTotal: number;
  seconds: number;
}

export interface StreamOptions {
  chunkBytes?: number;
  onProgress?: (p: MergeProgress) => void;
}

interface Chunk {
  entry: number;
  offset: number;
  length: number;
}

/** A chunk size that keeps all buffers (2 inputs and n outputs, double-buffered) within about 64 MB. */
export function defaultChunkBytes(outputs: number): number {
  const budget = 64 << 20;
  const per = Math.floor(budget / (2 * (2 + outputs)) / 8) * 8;
  return Math.max(64 << 10, Math.min(8 << 20, per));
}

export async function streamMerge(
  plan: MergePlan,
  base: ReadonlyMap<string, TensorInput>,
  self: ReadonlyMap<string, TensorInput>,
  sinks: readonly MergeSink[],
  opts: StreamOptions = {},
): Promise<{ bytesRead: number; seconds: number }> {
  const chunkBytes = Math.floor((opts.chunkBytes ?? defaultChunkBytes(sinks.length)) / 8) * 8;
  if (chunkBytes < 8) throw new RangeError('chunkBytes must be at least 8');
  const chunks: Chunk[] = [];
  let total = 0;
  plan.entries.forEach((e, i) => {
    const n = e.tensor.byteLength;
    total += e.action === 'merge' ? 2 * n : n;
    for (let off = 0; off < n; off += chunkBytes)
      chunks.push({ entry: i, offset: off, length: Math.min(chunkBytes, n - off) });
  });
  const start = performance.now();
  // inputs in shared memory: the sha256 thread hashes them in place (hashing-source.ts)
  const shared = () => new Uint8Array(new SharedArrayBuffer(chunkBytes));
  const inB = [shared(), shared()];
  const inS = [shared(), shared()];
  const out = [0, 1].map(() => sinks.map(() => new Uint8Array(chunkBytes)));
  const writes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  let done = 0;
  let lastReport = 0;

  // failures surface where the promise is awaited; mark them handled meanwhile (no unhandled rejection)
  const handled = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => {});
    return p;
  };
  const read = (k: number, set: number): Promise<unknown> => {
    const c = chunks[k];
    const e = plan.entries[c.entry];
    const name = e.tensor.name;
    const rb = base.get(name)!.read(inB[set], 0, c.offset, c.length);
    if (e.action !== 'merge') return handled(rb);
    return handled(Promise.all([rb, self.get(name)!.read(inS[set], 0, c.offset, c.length)]));
  };

  let pending: Promise<unknown> | undefined = chunks.length ? read(0, 0) : undefined;
  try {
    for (let k = 0; k < chunks.length; k++) {
      const set = k & 1;
      await pending;
      pending = k + 1 < chunks.length ? read(k + 1, set ^ 1) : undefined;
      await writes[set];
      const c = chunks[k];
      const e = plan.entries[c.entry];
      const outs = out[set];
      if (e.action === 'merge') mergeChunk(e.dtype!, inB[set], inS[set], c.length, e.ws, outs);
      else for (const o of outs) o.set(inB[set].subarray(0, c.length));
      writes[set] = handled(Promise.all(sinks.map((s, j) => s.write(e.tensor.name, c.offset, outs[j], c.length))));
      done += e.action === 'merge' ? 2 * c.length : c.length;
      if (opts.onProgress) {
        const now = performance.now();
        if (now - lastReport > 500 || k === chunks.length - 1) {
          lastReport = now;
          opts.onProgress({ bytesDone: done, bytesTotal: total, seconds: (now - start) / 1000 });
        }
      }
    }
    await Promise.all(writes);
  } catch (err) {
    await Promise.allSettled([pending, ...writes]);
    throw err;
  }
  return { bytesRead: total, seconds: (performance.now() - start) / 1000 };
}
