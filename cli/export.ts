// `neon export`: a model's weights (its ONNX initializers) to a safetensors file, by parameter name.
import type { Command } from './command.ts';
import { UsageError, parseFlags } from './flags.ts';
import { readModelDir, exportSafetensors } from '../shared/models/model-files.ts';
import { decodeModel } from '../shared/onnx/onnx-proto.ts';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';

const HELP = `usage: neon export --model DIR|FILE.onnx --out FILE.safetensors

Writes the model's initializers (its weights, named as in the graph) to a safetensors file.`;

export const exportCommand: Command = {
  summary: 'export a model’s weights to safetensors',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['help'], string: ['model', 'out'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    const src = flags.values.get('model');
    const out = flags.values.get('out');
    if (!src) throw new UsageError('--model is required');
    if (!out) throw new UsageError('--out is required');
    let info;
    try {
      info = await stat(src);
    } catch {
      throw new UsageError(`--model: '${src}' does not exist`);
    }
    if (info.isDirectory()) {
      const m = await readModelDir(src);
      await exportSafetensors(m.model, out, { source_sha256: m.hash, name: m.manifest.name, family: m.manifest.family }, `${src}/model.onnx`);
    } else {
      const bytes = await readFile(src);
      await exportSafetensors(decodeModel(bytes), out, { source_sha256: createHash('sha256').update(bytes).digest('hex') }, src);
    }
    console.log(out);
    return 0;
  },
};
