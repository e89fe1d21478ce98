// Messages between the ORT engine (main thread) and its worker threads.
import type { Feeds, HostTensor } from '../tensor.ts';

export interface SessionOptions {
  /** Threads for one session's operators. */
  intraOpNumThreads: number;
  /** 'cpu' here; 'cuda' on GPU nodes. */
  provider: 'cpu' | 'cuda';
  /** Operator threads spin while idle (true) or sleep (false). */
  spinning: boolean;
}

export type Request =
  | { kind: 'load'; seq: number; session: number; model: Uint8Array; options: SessionOptions }
  | { kind: 'run'; seq: number; session: number; feeds: Feeds; outputs?: string[] }
  | { kind: 'release'; seq: number; session: number };

export type Reply =
  | { kind: 'loaded'; seq: number; inputNames: string[]; outputNames: string[] }
  | { kind: 'result'; seq: number; outputs: Record<string, HostTensor> }
  | { kind: 'released'; seq: number }
  | { kind: 'error'; seq: number; message: string };
