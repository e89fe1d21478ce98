// The ORT worker thread: owns InferenceSessions (loaded once, reused) and runs them off the main event loop.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { Reply, Request } from './ort-protocol.ts';
import { wholeBuffers, type HostTensor } from '../tensor.ts';

ort.env.logLevel = 'error';

const sessions = new Map<number, ort.InferenceSession>();

function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

function fromOrt(t: ort.Tensor): HostTensor {
  return { type: t.type as HostTensor['type'], data: t.data as HostTensor['data'], dims: [...t.dims] };
}

async function handle(msg: Request): Promise<Reply> {
  switch (msg.kind) {
    case 'load': {
      const s = await ort.InferenceSession.create(msg.model, {
        executionProviders: [msg.options.provider],
        intraOpNumThreads: msg.options.intraOpNumThreads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...(msg.options.spinning
          ? {}
          : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
      });
      sessions.set(msg.session, s);
      return { kind: 'loaded', seq: msg.seq, inputNames: [...s.inputNames], outputNames: [...s.outputNames] };
    }
    case 'run': {
      const s = sessions.get(msg.session);
      if (!s) throw new Error(`session ${msg.session} is not loaded`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(msg.feeds)) feeds[k] = toOrt(v);
      const out = msg.outputs ? await s.run(feeds, msg.outputs) : await s.run(feeds);
      const outputs: Record<string, HostTensor> = {};
      // onnxruntime-node gives each output its own JS-owned buffer: it is moved to the caller, not copied
      for (const [k, v] of Object.entries(out)) outputs[k] = fromOrt(v);
      return { kind: 'result', seq: msg.seq, outputs };
    }
    case 'release': {
      await sessions.get(msg.session)?.release();
      sessions.delete(msg.session);
      return { kind: 'released', seq: msg.seq };
    }
  }
}

// Requests are served one at a time, in order: one session.run at a time per worker.
let chain: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: Request) => {
  chain = chain.then(async () => {
    let reply: Reply;
    try {
      reply = await handle(msg);
    } catch (err) {
      reply = { kind: 'error', seq: msg.seq, message: err instanceof Error ? err.message : String(err) };
    }
    parentPort!.postMessage(reply, reply.kind === 'result' ? wholeBuffers(Object.values(reply.outputs)) : []);
  });
});
