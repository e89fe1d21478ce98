// `neon export`: a model's weights to a file — any registry version (`name`, `name@tag`, `name@alias`) or shipped
// model by reference, or a model folder or ONNX file by path — as its ONNX graph or as safetensors (the initializers,
// by parameter name: what `neon merge` reads).
import { copyFile, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, choiceFlag, parseFlags } from './flags.ts';
import { cliModelSources } from './model-sources.ts';
import { readModelDir, exportSafetensors } from '../shared/models/model-files.ts';
import { decodeModel } from '../shared/onnx/onnx-proto.ts';
import { ModelNotFoundError } from '../shared/serving/model-provider.ts';
import { WEIGHT_FORMATS, writeVersionWeights, type WeightFormat } from '../shared/serving/version-weights.ts';
import { parseModelRef, RegistryError } from '../shared/registry/registry.ts';

const HELP = `usage: neon export --model REF|DIR|FILE.onnx [--format onnx|safetensors] --out FILE [--json]

Writes a model's weights to FILE: safetensors (its initializers, named as in the graph; what 'neon merge' reads)
or its ONNX graph.

  --model REF        a registry version: NAME, NAME@tag or NAME@alias (e.g. fmnist-flow@neon), found in the
                     registry (DATABASE_URL, or $NEON_HOME/db) then the shipped models; or a model folder or .onnx file
  --format F         safetensors or onnx (default: from --out's extension, else safetensors)
  --out FILE         the file to write
  --json             print one JSON object on the last line`;

async function pathInfo(p: string) {
  return stat(p).catch(() => undefined);
}

/** A registry or shipped version, resolved through the command line's model sources. */
async function exportRef(
  ref: string,
  format: WeightFormat,
  out: string,
): Promise<{ model: string; tag: string; content_hash: string; source_sha256: string }> {
  try {
    parseModelRef(ref);
  } catch (err) {
    if (err instanceof RegistryError)
      throw new UsageError(`--model: '${ref}' is neither a file or folder nor a model reference (${err.message})`);
    throw err;
  }
  const src = await cliModelSources(ref, process.env);
  try {
    for (const s of src.sources) {
      const v = await s.resolve(src.ref);
      if (!v) continue;
      const { source_sha256 } = await writeVersionWeights(v, format, out);
      return { model: v.name, tag: v.tag, content_hash: v.key, source_sha256 };
    }
    throw new UsageError(
      `--model: no model '${ref}' in ${src.database ? `the registry (${src.database.location}) or ` : ''}the shipped models`,
    );
  } catch (err) {
    if (err instanceof ModelNotFoundError) throw new UsageError(`--model: ${err.message}`);
    throw err;
  } finally {
    await src.close();
  }
}

export const exportCommand: Command = {
  summary: 'write a model version’s weights (registry, shipped, folder or file) as safetensors or ONNX',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['help', 'json'], string: ['model', 'out', 'format'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const src = flags.values.get('model');
    const out = flags.values.get('out');
    if (!src) throw new UsageError('--model is required');
    if (!out) throw new UsageError('--out is required');
    const format: WeightFormat =
      choiceFlag(flags, 'format', WEIGHT_FORMATS) ?? (extname(out).toLowerCase() === '.onnx' ? 'onnx' : 'safetensors');
    const info = await pathInfo(src);
    let result: Record<string, unknown>;
    if (info?.isDirectory()) {
      const m = await readModelDir(src);
      if (format === 'onnx') await copyFile(join(src, 'model.onnx'), out);
      else
        await exportSafetensors(
          m.model,
          out,
          { source_sha256: m.hash, name: m.manifest.name, family: m.manifest.family },
          join(src, 'model.onnx'),
        );
      result = { model: m.manifest.name, source: src, source_sha256: m.hash };
    } else if (info) {
      const bytes = await readFile(src);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (format === 'onnx') await copyFile(src, out);
      else await exportSafetensors(decodeModel(bytes), out, { source_sha256: sha }, src);
      result = { source: src, source_sha256: sha };
    } else result = await exportRef(src, format, out);
    const written = { ...result, format, out, bytes: (await stat(out)).size };
    if (flags.booleans.has('json')) console.log(JSON.stringify(written));
    else console.log(out);
    return 0;
  },
};
