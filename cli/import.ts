// `neon import`: a user's ONNX graph (e.g. from torch.onnx.export) becomes a Neon model: checked against the
// family's contract and both engines before anything is written, then $NEON_HOME/models/NAME/ (model.onnx +
// model.json) and the registry version NAME@base.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { readBounded } from './read-bounded.ts';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, intFlag, parseFlags, parseNumber, type ParsedFlags } from './flags.ts';
import { FAMILIES, manifestSchema, parseManifest, type Family, type ManifestInput } from '../shared/models/manifest.ts';
import {
  bindRoles,
  checkInputs,
  ContractError,
  contractFeeds,
  familyDefaults,
  FAMILY_ROLES,
  outputDims,
  type ContractSpec,
} from '../shared/families/family-contract.ts';
import { modelOpset, unsupportedNodes } from '../shared/engine/model-check.ts';
import { decodeModel, type ModelProto } from '../shared/onnx/onnx-proto.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { neonHome } from '../shared/config/neon-home.ts';
import { openDatabase } from '../shared/db/database.ts';
import { databaseConfigFromEnv } from '../shared/db/config.ts';
import { ArtifactStore } from '../shared/store/artifact-store.ts';
import { registerShippedModel } from '../shared/serving/register-shipped.ts';

const HELP = `usage: neon import --onnx FILE --family flow|edm|ddpm|ar --name NAME --shape C,H,W
                   [--classes K] [--null-class K] [--label-dropout P] [--vocab K] [--range LO,HI]
                   [--input ROLE=GRAPHNAME]... [--output GRAPHNAME]
                   [--steps N] [--guidance-scale S] [--temperature T] [--description TEXT] [--json]

Imports an ONNX graph as a Neon model: checks that every operator is supported by both engines, that the graph's
inputs bind to the family's roles with the right types and shapes, and that one forward pass gives the output the
family reads; then writes $NEON_HOME/models/NAME/ (model.onnx, model.json) and registers NAME@base. Nothing is
written or registered when a check fails. The family contracts (docs/MODELS.md):
  flow  x [N,C,H,W] float, t [N,1] float in [0,1], y [N] int64      → velocity [N,C,H,W]
  edm   x [N,C,H,W] float (c_in·x), t [N,1] float (ln σ / 4), y [N] int64 → F [N,C,H,W]
  ddpm  x [N,D] float, t [N,1] float (t/(T−1))                     → ε [N,D]
  ar    x [N,D] float (levels as values in [−1,1]), y [N] int64      → logits [N, D·K]

  --onnx FILE            the graph (its float initializers are the weights; keep their names:
                         torch.onnx.export(..., do_constant_folding=False, training=TrainingMode.TRAINING))
  --family F             flow, edm, ddpm or ar
  --name NAME            the model's name (lower-case letters, digits, '.', '_', '-')
  --shape C,H,W          one sample's shape, channels first (ddpm, ar: the flattened length D is its product)
  --classes K            number of classes (default 10 for flow, edm, ar; 0 for ddpm); the null class for
  --null-class K         guidance is K unless given; --label-dropout P (default 0.1) is the training dropout
  --vocab K              ar: levels per pixel
  --range LO,HI          the value range pixels map onto (default -1,1)
  --input ROLE=NAME      bind a family role (x, t, y) to a differently named graph input (repeatable)
  --output NAME          the graph output the family reads (default: the graph's only output)
  --steps, --guidance-scale, --temperature   the sampler defaults (default: the family's)
  --json                 one JSON object on the last line`;

/** Bounds on what an import reads and writes. */
const MAX_ONNX_BYTES = 2 * 1024 ** 3;
const MAX_DESCRIPTION = 2000;

function listFlag(flags: ParsedFlags, name: string, count?: number): number[] | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  const v = raw.split(',').map((p) => parseNumber(p.trim(), `--${name}`));
  if (count !== undefined && v.length !== count)
    throw new UsageError(`--${name} needs ${count} comma-separated numbers, got '${raw.slice(0, 100)}'`);
  return v;
}

function floatFlag(flags: ParsedFlags, name: string, min: number, max: number): number | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  const v = parseNumber(raw, `--${name}`);
  if (!(v >= min && v <= max)) throw new UsageError(`--${name} must be in [${min}, ${max}], got ${raw.slice(0, 100)}`);
  return v;
}

export const importCommand: Command = {
  summary: "import a user's ONNX graph (e.g. torch.onnx.export) as a model of a family, checked first",
  async run(argv) {
    const flags = parseFlags(argv, {
      boolean: ['help', 'json'],
      string: [
        'onnx',
        'family',
        'name',
        'shape',
        'classes',
        'null-class',
        'label-dropout',
        'vocab',
        'range',
        'output',
        'steps',
        'guidance-scale',
        'temperature',
        'description',
      ],
      repeated: ['input'],
    });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length > 0)
      throw new UsageError(`unexpected argument '${flags.positionals[0].slice(0, 100)}'`);
    const file = flags.values.get('onnx');
    if (!file) throw new UsageError('--onnx is required');
    const familyRaw = flags.values.get('family');
    if (!familyRaw) throw new UsageError('--family is required (flow, edm, ddpm or ar)');
    if (!(FAMILIES as readonly string[]).includes(familyRaw))
      throw new UsageError(`--family must be one of ${FAMILIES.join(', ')}, got '${familyRaw.slice(0, 100)}'`);
    const family = familyRaw as Family;
    const name = flags.values.get('name');
    if (!name) throw new UsageError('--name is required');
    if (!manifestSchema.shape.name.safeParse(name).success || name.length > 100)
      throw new UsageError(`--name '${name.slice(0, 100)}': lower-case letters, digits, '.', '_' and '-', at most 100`);
    const shape = listFlag(flags, 'shape');
    if (!shape) throw new UsageError('--shape is required (e.g. 1,28,28)');
    if (shape.length === 0 || shape.length > 4 || shape.some((d) => !Number.isInteger(d) || d < 1 || d > 4096))
      throw new UsageError(
        `--shape must be 1 to 4 positive integers ≤ 4096, got '${flags.values.get('shape')!.slice(0, 100)}'`,
      );
    if ((family === 'flow' || family === 'edm') && shape.length !== 3)
      throw new UsageError(`--shape: the ${family} family takes images C,H,W`);
    const classes = intFlag(flags, 'classes', { min: 0, max: 100_000 }) ?? (family === 'ddpm' ? 0 : 10);
    const nullClass = intFlag(flags, 'null-class', { min: 0, max: 100_000 }) ?? classes;
    if (classes > 0 && nullClass < classes && flags.values.has('null-class')) {
      // a null class among the real ones would make guidance mix a class with itself
      throw new UsageError(`--null-class ${nullClass} is one of the ${classes} real classes; use ${classes} or more`);
    }
    const vocab = intFlag(flags, 'vocab', { min: 2, max: 65_536 });
    if (family === 'ar' && vocab === undefined)
      throw new UsageError('--vocab is required for the ar family (levels per pixel)');
    const range = listFlag(flags, 'range', 2) ?? [-1, 1];
    if (!(range[0] < range[1])) throw new UsageError(`--range: LO must be below HI, got ${range.join(',')}`);
    const description = flags.values.get('description') ?? '';
    if (description.length > MAX_DESCRIPTION)
      throw new UsageError(`--description is longer than ${MAX_DESCRIPTION} characters`);
    const explicit: Record<string, string> = {};
    for (const b of flags.lists.get('input') ?? []) {
      const eq = b.indexOf('=');
      if (eq <= 0 || eq === b.length - 1)
        throw new UsageError(`--input must be ROLE=GRAPHNAME, got '${b.slice(0, 100)}'`);
      const role = b.slice(0, eq);
      if (!FAMILY_ROLES[family].includes(role as 'x'))
        throw new UsageError(
          `--input ${role.slice(0, 50)}: the ${family} family has no input role '${role.slice(0, 50)}' (roles: ${FAMILY_ROLES[family].join(', ')})`,
        );
      explicit[role] = b.slice(eq + 1);
    }
    const dir = join(neonHome(), 'models', name);
    if (existsSync(dir))
      throw new UsageError(`--name: ${dir} already exists (import under another name, or remove it first)`);

    // 1. the graph, and operators both engines support
    const bytes = await readBounded(file, MAX_ONNX_BYTES, '--onnx');
    let model: ModelProto;
    try {
      model = decodeModel(bytes);
    } catch (err) {
      throw new UsageError(`--onnx: '${file}' is not a readable ONNX model (${(err as Error).message})`);
    }
    const unsupported = unsupportedNodes(model);
    if (unsupported.length > 0) {
      const u = unsupported[0];
      throw new UsageError(
        `--onnx: unsupported operator '${u.op}' at node '${u.node}' (opset ${u.opset})${unsupported.length > 1 ? ` and ${unsupported.length - 1} more node(s)` : ''}`,
      );
    }

    // 2. the family's contract: roles, types, shapes, and one forward pass on onnxruntime
    const spec: ContractSpec = { family, shape, vocab };
    let bound;
    try {
      bound = bindRoles(model, family, explicit);
      checkInputs(model, spec, bound);
    } catch (err) {
      if (err instanceof ContractError) throw new UsageError(err.message);
      throw err;
    }
    const outputs = model.graph.output.map((o) => o.name);
    const output = flags.values.get('output') ?? (outputs.length === 1 ? outputs[0] : undefined);
    if (!output)
      throw new UsageError(`--output is required: the graph has ${outputs.length} outputs (${outputs.join(', ')})`);
    if (!outputs.includes(output))
      throw new UsageError(
        `--output: the graph has no output '${output.slice(0, 100)}' (outputs: ${outputs.join(', ')})`,
      );
    const ort = new OrtEngine();
    try {
      let session;
      try {
        session = await ort.load(bytes);
      } catch (err) {
        throw new UsageError(`--onnx: onnxruntime cannot load '${file}' (${(err as Error).message.split('\n')[0]})`);
      }
      try {
        const n = 2;
        let out;
        try {
          out = (await session.run(contractFeeds(spec, bound, n), [output]))[output];
        } catch (err) {
          throw new UsageError(
            `--onnx: a forward pass in the ${family} contract's shapes failed (${(err as Error).message.split('\n')[0]})`,
          );
        }
        const want = outputDims(spec, n);
        if (out.dims.join() !== want.join())
          throw new UsageError(
            `--output '${output}': the forward pass gives [${out.dims.join(', ')}], the ${family} family reads [${want.join(', ')}] (batch ${n})`,
          );
      } finally {
        await session.release();
      }
    } finally {
      await ort.close();
    }

    // 3. the manifest, the files, the registry version
    const defaults = familyDefaults(family);
    const steps = intFlag(flags, 'steps', { min: 1, max: 10_000 });
    const guidance = floatFlag(flags, 'guidance-scale', 0, 100);
    const temperature = floatFlag(flags, 'temperature', 1e-3, 100);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const manifestInput: ManifestInput = {
      name,
      family,
      description: description || `imported from ${file.split('/').pop()} (opset ${modelOpset(model)})`,
      data: { shape, range: range as [number, number], ...(vocab !== undefined ? { vocab } : {}) },
      conditioning: {
        num_classes: classes,
        ...(classes > 0 || family !== 'ddpm' ? { null_class: nullClass } : {}),
        label_dropout: floatFlag(flags, 'label-dropout', 0, 1) ?? (classes > 0 ? 0.1 : 0),
      },
      loss: defaults.loss,
      sampler: {
        ...defaults.sampler,
        ...(steps !== undefined ? { steps } : {}),
        ...(guidance !== undefined ? { guidance_scale: guidance } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      },
      io: { inputs: bound, outputs: { out: output } },
      lineage: { run: `neon import of ${file.split('/').pop()} (sha256 ${hash})` },
    };
    const manifest = parseManifest(manifestInput, '--name');
    const tmp = `${dir}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.onnx'), bytes);
    await writeFile(join(tmp, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(join(neonHome(), 'models'), { recursive: true });
    await rename(tmp, dir);
    const database = await openDatabase(databaseConfigFromEnv());
    let registered;
    try {
      const store = new ArtifactStore(join(neonHome(), 'artifacts'));
      registered = await registerShippedModel(database.db, store, join(neonHome(), 'models'), name);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      await database.close();
    }
    if (!registered) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`registering ${name} failed`);
    }
    const summary = {
      name,
      ref: `${name}@${registered.tag}`,
      family,
      dir,
      sha256: hash,
      ops: [...new Set(model.graph.node.map((x) => x.opType))].length,
      inputs: bound,
      output,
    };
    if (flags.booleans.has('json')) console.log(JSON.stringify(summary));
    else console.log(`imported ${summary.ref} (${family}, ${shape.join('×')}) into ${dir}`);
    return 0;
  },
};
