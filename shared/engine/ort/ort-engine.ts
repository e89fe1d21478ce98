// The forward engine: onnxruntime-node sessions living in worker threads, so `session.run` never blocks
// the caller's event loop. A model is loaded once per worker and reused for every run.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { wholeBuffers, type Feeds, type HostTensor } from '../tensor.ts';
import type { Reply, Request, SessionOptions } from './ort-protocol.ts';

const BOOTSTRAP = fileURLToPath(new URL('../worker-bootstrap.mjs', import.meta.url));
const ENTRY = new URL('./ort-worker.ts', import.meta.url).href;

export interface OrtEngineOptions {
  /** Worker threads (each holds its own copy of every loaded model). Default 1. */
  workers?: number;
  /** Operator threads per session. Default: available cores / workers. */
  threadsPerSession?: number;
  provider?: 'cpu' | 'cuda';
  /** Operator threads spin while idle (onnxruntime's default, fastest on dedicated cores) or sleep. Default true. */
  spinning?: boolean;
}

/** A request before it is numbered (Omit distributed over the union). */
type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
}

class OrtWorkerHandle {
  readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Requests sent and not yet answered (for least-busy scheduling). */
  inFlight = 0;

  constructor() {
    this.worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY } });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      this.inFlight--;
      if (this.pending.size === 0) this.worker.unref();
      if (reply.kind === 'error') p.reject(new Error(`onnxruntime: ${reply.message}`));
      else p.resolve(reply);
    });
    this.worker.on('error', (err: unknown) => this.failAll(err instanceof Error ? err : new Error(String(err))));
    this.worker.on('exit', (code) => this.failAll(new Error(`onnxruntime worker exited with code ${code}`)));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.inFlight = 0;
  }

  request(msg: WithoutSeq<Request>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const seq = ++this.seq;
    this.inFlight++;
    this.worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...msg, seq } as Request, transfer);
    });
  }
}

export interface RunOptions {
  /** Move the feeds' buffers to the worker instead of copying them. */
  transfer?: boolean;
}

/** A model loaded on every worker of an engine. */
export class OrtModel {
  constructor(
    private readonly engine: OrtEngine,
    readonly id: number,
    readonly inputNames: string[],
    readonly outputNames: string[],
  ) {}

  /**
   * Runs the model. Feeds are copied to the worker (the caller keeps its arrays), or, with `transfer`, moved
   * there without a copy (their buffers are detached here: for feeds built for this one call).
   */
  run(feeds: Feeds, outputs?: string[], opts: RunOptions = {}): Promise<Record<string, HostTensor>> {
    return this.engine.run(this, feeds, outputs, opts);
  }

  release(): Promise<void> {
    return this.engine.release(this);
  }
}

export class OrtEngine {
  private readonly workers: OrtWorkerHandle[];
  private readonly options: SessionOptions;
  private nextSession = 0;
  private closed = false;

  constructor(opts: OrtEngineOptions = {}) {
    const n = Math.max(1, opts.workers ?? 1);
    this.workers = Array.from({ length: n }, () => new OrtWorkerHandle());
    this.options = {
      intraOpNumThreads: opts.threadsPerSession ?? Math.max(1, Math.floor(availableParallelism() / n)),
      provider: opts.provider ?? 'cpu',
      spinning: opts.spinning ?? true,
    };
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async load(model: Uint8Array): Promise<OrtModel> {
    if (this.closed) throw new Error('the ORT engine is closed');
    const session = ++this.nextSession;
    const replies = await Promise.all(
      this.workers.map((w) => w.request({ kind: 'load', session, model, options: this.options })),
    );
    const r = replies[0];
    if (r.kind !== 'loaded') throw new Error('onnxruntime: unexpected reply to load');
    return new OrtModel(this, session, r.inputNames, r.outputNames);
  }

  async run(
    model: OrtModel,
    feeds: Feeds,
    outputs?: string[],
    opts: RunOptions = {},
  ): Promise<Record<string, HostTensor>> {
    const w = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const r = await w.request(
      { kind: 'run', session: model.id, feeds, outputs },
      opts.transfer ? wholeBuffers(Object.values(feeds)) : [],
    );
    if (r.kind !== 'result') throw new Error('onnxruntime: unexpected reply to run');
    return r.outputs;
  }

  async release(model: OrtModel): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ kind: 'release', session: model.id })));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
