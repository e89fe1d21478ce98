// `neon check-model`: operator support, forward parity (onnxruntime vs tfjs) and — given a batch with a target —
// the loss mean((output − target)²) and its gradient for every float initializer, written by parameter name.
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { readBounded } from './read-bounded.ts';
import { dirname, join, resolve } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, parseFlags } from './flags.ts';
import { batchFromArrays, checkModel, randomBatch, type Batch } from '../shared/engine/model-check.ts';
import { decodeModel, type ModelProto } from '../shared/onnx/onnx-proto.ts';
import { parseNpz } from '../shared/npz/npz.ts';
import { loadTf } from '../shared/engine/tf/tf-backend.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { writeSafetensors } from '../shared/safetensors/writer.ts';
import { neonHome } from '../shared/config/neon-home.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';

const HELP = `usage: neon check-model --model NAME|DIR|FILE.onnx [--batch FILE.npz] [--output NAME] [--grads-out FILE.safetensors] [--json]

Checks a model graph against both engines:
  1. every operator is supported by the differentiable (tfjs) engine — an unsupported one is named with its node
     and the model's opset, and the command exits 2;
  2. forward parity: the largest |onnxruntime − tfjs| over the graph's outputs on the batch;
  3. with a batch that has a 'target' array: the loss mean((output − target)²) and its gradient with respect to
     every float initializer, written to --grads-out (safetensors, F32, by initializer name) — compare them with
     your framework's.

  --model M          a model folder (model.onnx + model.json), an .onnx file, or a model name in $NEON_HOME/models
                     or the shipped models/
  --batch FILE.npz   arrays named by the graph's inputs, plus 'target' (default: a random batch of 2, no loss)
  --output NAME      the graph output the loss uses (default: the first)
  --grads-out FILE   where to write the gradients (needs a target)
  --json             one JSON object on the last line: {"ops", "unsupported", "max_abs_diff", "loss", "grads"}`;

/** Limits on what a check reads: a model and a batch are bounded files. */
const MAX_MODEL_BYTES = 2 * 1024 ** 3;
const MAX_BATCH_BYTES = 512 * 1024 ** 2;

async function modelPath(ref: string): Promise<string> {
  if (existsSync(ref)) {
    const info = await stat(ref);
    if (info.isDirectory()) {
      const p = join(ref, 'model.onnx');
      if (!existsSync(p)) throw new UsageError(`--model: folder '${ref}' has no model.onnx`);
      return p;
    }
    return ref;
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(ref))
    throw new UsageError(`--model: '${ref.slice(0, 200)}' is neither a file nor a model name`);
  for (const dir of [join(neonHome(), 'models', ref), join(REPO_ROOT, 'models', ref)]) {
    if (existsSync(join(dir, 'model.onnx'))) return join(dir, 'model.onnx');
  }
  throw new UsageError(`--model: no model '${ref}' in ${join(neonHome(), 'models')} or the shipped models/`);
}

export const checkModelCommand: Command = {
  summary: 'check a model graph against both engines: operators, forward parity, loss and gradients',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['help', 'json'], string: ['model', 'batch', 'output', 'grads-out'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const ref = flags.values.get('model');
    if (!ref) throw new UsageError('--model is required');
    const path = await modelPath(ref);
    let model: ModelProto;
    try {
      model = decodeModel(await readBounded(path, MAX_MODEL_BYTES, '--model'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `--model: '${path}' is not a readable ONNX model (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const batchFile = flags.values.get('batch');
    const gradsOut = flags.values.get('grads-out');
    let batch: Batch;
    try {
      batch = batchFile ? batchFromArrays(model, await loadBatch(batchFile)) : randomBatch(model);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--batch: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (gradsOut && !batch.target) throw new UsageError("--grads-out needs a --batch with a 'target' array");
    const json = flags.booleans.has('json');
    const tf = await loadTf();
    const ort = new OrtEngine();
    try {
      const r = await checkModel(tf, ort, model, batch, flags.values.get('output'));
      if (r.unsupported.length > 0) {
        const u = r.unsupported[0];
        const more =
          r.unsupported.length > 1
            ? ` (and ${r.unsupported.length - 1} more node(s): ${[...new Set(r.unsupported.map((x) => x.op))].join(', ')})`
            : '';
        if (json)
          console.log(
            JSON.stringify({ ops: r.ops, unsupported: r.unsupported, max_abs_diff: null, loss: null, grads: null }),
          );
        throw new UsageError(`unsupported operator '${u.op}' at node '${u.node}' (opset ${u.opset})${more}`);
      }
      if (gradsOut && r.grads) {
        await mkdir(dirname(resolve(gradsOut)), { recursive: true });
        await writeSafetensors(
          gradsOut,
          [...r.grads].map(([name, g]) => ({
            name,
            dtype: 'F32' as const,
            shape: g.dims,
            data: new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength),
          })),
          { loss: String(r.loss), model: path },
        );
      }
      const summary = {
        ops: r.ops,
        unsupported: r.unsupported,
        max_abs_diff: r.maxAbsDiff,
        loss: r.loss,
        grads: gradsOut && r.grads ? { file: gradsOut, tensors: r.grads.size } : null,
      };
      if (json) console.log(JSON.stringify(summary));
      else {
        console.log(`operators (${r.ops.length}): ${r.ops.join(', ')}`);
        console.log('unsupported: none');
        console.log(`forward parity: max |onnxruntime − tfjs| = ${r.maxAbsDiff?.toExponential(3)}`);
        if (r.loss !== null) console.log(`loss mean((output − target)²) = ${r.loss}`);
        if (summary.grads) console.log(`gradients of ${summary.grads.tensors} initializers: ${gradsOut}`);
      }
      return 0;
    } finally {
      await ort.close();
    }
  },
};

async function loadBatch(file: string) {
  return parseNpz(await readBounded(file, MAX_BATCH_BYTES, '--batch'), file);
}
