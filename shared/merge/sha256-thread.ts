// SHA-256 on a worker thread, so that hashing the merge's inputs (about 1.2 GB/s of one core) runs beside the merge
// kernel instead of in turn with it. One worker per process, started on first use, serves any number of hashes.
// Bytes in a SharedArrayBuffer are hashed in place; others are copied once into the message. update() resolves once
// the bytes are hashed, so the caller may then reuse its buffer.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let h = hashes.get(m.id);
      if (!h) hashes.set(m.id, (h = createHash('sha256')));
      h.update(new Uint8Array(m.buffer, m.offset, m.length));
      parentPort.postMessage({ seq: m.seq });
    } else {
      const h = hashes.get(m.id) ?? createHash('sha256');
      hashes.delete(m.id);
      parentPort.postMessage({ seq: m.seq, hex: h.digest('hex') });
    }
  } catch (err) {
    parentPort.postMessage({ seq: m.seq, error: String(err && err.message || err) });
  }
});
`;

interface Reply {
  seq: number;
  hex?: string;
  error?: string;
}

class HashWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private failed: Error | null = null;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.seq);
      if (!p) return;
      this.pending.delete(r.seq);
      if (this.pending.size === 0) this.worker.unref();
      if (r.error !== undefined) p.reject(new Error(`sha256 thread: ${r.error}`));
      else p.resolve(r);
    });
    this.worker.on('error', (err: Error) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`sha256 thread exited (${code})`)));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (worker === this) worker = null;
  }

  request(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      // referenced while a reply is awaited: the process waits for it, and exits freely when none is
      this.worker.ref();
      this.worker.postMessage({ ...msg, seq }, transfer);
    });
  }
}

let worker: HashWorker | null = null;
let nextId = 0;

/** One SHA-256 computed on the worker thread. */
export class ThreadedSha256 {
  private readonly id = ++nextId;
  private readonly w = (worker ??= new HashWorker());

  /** Hashes `bytes` next; resolves once they are hashed (then `bytes` may be overwritten). */
  async update(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    if (bytes.buffer instanceof SharedArrayBuffer) {
      await this.w.request({
        op: 'update',
        id: this.id,
        buffer: bytes.buffer,
        offset: bytes.byteOffset,
        length: bytes.length,
      });
    } else {
      const copy = bytes.slice();
      await this.w.request({ op: 'update', id: this.id, buffer: copy.buffer, offset: 0, length: copy.length }, [
        copy.buffer,
      ]);
    }
  }

  /** The hex digest of everything given to update(). */
  async digest(): Promise<string> {
    return (await this.w.request({ op: 'digest', id: this.id })).hex!;
  }
}
