// Merging two checkpoints into one output per w: θneon(w) = (1+w)·θr − w·θs (Neon, eq. 3), streamed.
// Inputs: safetensors files, sharded safetensors checkpoints, or ONNX models (both sides the same format).
// Safetensors outputs are single files; ONNX outputs are the base model with its initializers replaced (data
// inlined). Each output's metadata records the recipe: formula, w, rules, policies, and sha256 of every input file.
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SafetensorsWriter } from '../safetensors/writer.ts';
import { encodeModel, type TensorProto } from '../onnx/onnx-proto.ts';
import { MergeError } from './merge-error.ts';
import { openMergeInput, type InputFile, type InputFormat, type MergeInput } from './merge-input.ts';
import { DEFAULT_POLICIES, planMerge, type MergePolicies, type MergePlan } from './merge-plan.ts';
import { streamMerge, type MergeProgress, type MergeSink } from './stream-merge.ts';
import { formatWRule, type WRule } from './w-rules.ts';

/** Opens one input; a file that does not open as a checkpoint is a MergeError naming it (by its label). */
async function openInput(path: string, format: InputFormat | undefined, label: string): Promise<MergeInput> {
  try {
    return await openMergeInput(path, format);
  } catch (err) {
    if (err instanceof MergeError || !(err instanceof Error)) throw err;
    const message = err.message.includes(path) ? err.message.split(path).join(label) : `${label}: ${err.message}`;
    throw new MergeError('invalid_checkpoint', message);
  }
}

/** The metadata key under which outputs record their recipe (a JSON string). */
export const RECIPE_KEY = 'neon.merge';
export const FORMULA = '(1+w)*base - w*self';

export interface MergeRequest {
  base: string;
  self: string;
  /** One output per w, in this order. */
  ws: readonly number[];
  /** Output paths, one per w. */
  outputs: readonly string[];
  rules?: readonly WRule[];
  policies?: Partial<MergePolicies>;
  /** Input formats when the paths do not say (default: from the extension). */
  formats?: { base?: InputFormat; self?: InputFormat };
  /** How the recipe names the inputs (default: the paths), e.g. artifact ids. */
  labels?: { base?: string; self?: string };
  chunkBytes?: number;
  onProgress?: (p: MergeProgress) => void;
}

export interface MergeRecipe {
  formula: string;
  w: number;
  rules: string[];
  policies: MergePolicies;
  base: { path: string; files: InputFile[] };
  self: { path: string; files: InputFile[] };
  tensors: { merged: number; copied: number; skipped: number };
}

export interface MergeOutput {
  w: number;
  path: string;
  bytes: number;
  recipe: MergeRecipe;
}

export interface MergeResult {
  format: 'safetensors' | 'onnx';
  outputs: MergeOutput[];
  plan: { merged: number; copied: { name: string; reason: string }[]; skipped: { name: string; reason: string }[] };
  bytesRead: number;
  seconds: number;
}

const PLACEHOLDER = '0'.repeat(64);

function recipeFor(
  req: MergeRequest,
  policies: MergePolicies,
  plan: MergePlan,
  w: number,
  baseFiles: InputFile[],
  selfFiles: InputFile[],
): MergeRecipe {
  const merged = plan.entries.filter((e) => e.action === 'merge').length;
  return {
    formula: FORMULA,
    w,
    rules: (req.rules ?? []).map(formatWRule),
    policies,
    base: { path: req.labels?.base ?? req.base, files: baseFiles },
    self: { path: req.labels?.self ?? req.self, files: selfFiles },
    tensors: { merged, copied: plan.entries.length - merged, skipped: plan.skipped.length },
  };
}

export async function mergeCheckpoints(req: MergeRequest): Promise<MergeResult> {
  if (req.ws.length === 0) throw new MergeError('invalid_request', 'at least one w is needed');
  if (req.ws.length !== req.outputs.length)
    throw new MergeError('invalid_request', `${req.ws.length} w values but ${req.outputs.length} output paths`);
  for (const w of req.ws)
    if (!Number.isFinite(w)) throw new MergeError('invalid_request', `w must be finite, got ${w}`);
  const policies: MergePolicies = {
    onMissing: req.policies?.onMissing ?? DEFAULT_POLICIES.onMissing,
    onMismatch: req.policies?.onMismatch ?? DEFAULT_POLICIES.onMismatch,
  };
  const base = await openInput(req.base, req.formats?.base, req.labels?.base ?? req.base);
  let self: MergeInput | undefined;
  try {
    self = await openInput(req.self, req.formats?.self, req.labels?.self ?? req.self);
    if (base.format !== self.format)
      throw new MergeError('format_mismatch', `the base is ${base.format} but self is ${self.format}`);
    const plan = planMerge(base.tensors, self.byName, req.ws, req.rules ?? [], policies);
    const result =
      base.format === 'onnx'
        ? await mergeOnnx(req, policies, plan, base, self)
        : await mergeSafetensors(req, policies, plan, base, self);
    return result;
  } finally {
    await base.close();
    await self?.close();
  }
}

function summary(plan: MergePlan): MergeResult['plan'] {
  return {
    merged: plan.entries.filter((e) => e.action === 'merge').length,
    copied: plan.entries
      .filter((e) => e.action === 'copy')
      .map((e) => ({ name: e.tensor.name, reason: e.reason ?? '' })),
    skipped: plan.skipped,
  };
}

async function mergeSafetensors(
  req: MergeRequest,
  policies: MergePolicies,
  plan: MergePlan,
  base: MergeInput,
  self: MergeInput,
): Promise<MergeResult> {
  const specs = plan.entries.map((e) => ({ name: e.tensor.name, dtype: e.tensor.dtype, shape: e.tensor.shape }));
  // the header is written first with placeholder hashes of the final length, rewritten in place at the end
  const baseFiles0 = placeholderFor(base);
  const selfFiles0 = placeholderFor(self);
  const writers: SafetensorsWriter[] = [];
  try {
    for (let k = 0; k < req.ws.length; k++) {
      const recipe = recipeFor(req, policies, plan, req.ws[k], baseFiles0, selfFiles0);
      writers.push(
        await SafetensorsWriter.create(req.outputs[k], specs, {
          ...base.metadata,
          [RECIPE_KEY]: JSON.stringify(recipe),
        }),
      );
    }
    const sinks: MergeSink[] = writers.map((w) => ({
      write: (name, offset, bytes, length) => w.write(name, offset, bytes, length),
    }));
    const { bytesRead, seconds } = await streamMerge(plan, base.byName, self.byName, sinks, {
      chunkBytes: req.chunkBytes,
      onProgress: req.onProgress,
    });
    const baseFiles = await base.files();
    const selfFiles = await self.files();
    const outputs: MergeOutput[] = [];
    for (let k = 0; k < writers.length; k++) {
      const recipe = recipeFor(req, policies, plan, req.ws[k], baseFiles, selfFiles);
      await writers[k].finish({ ...base.metadata, [RECIPE_KEY]: JSON.stringify(recipe) });
      outputs.push({ w: req.ws[k], path: req.outputs[k], bytes: (await stat(req.outputs[k])).size, recipe });
    }
    return { format: 'safetensors', outputs, plan: summary(plan), bytesRead, seconds };
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
}

/** File lists shaped like the final ones (names and sizes known, hashes not yet). */
function placeholderFor(input: MergeInput): InputFile[] {
  return input.fileList.map((f) => ({ ...f, sha256: PLACEHOLDER }));
}

async function mergeOnnx(
  req: MergeRequest,
  policies: MergePolicies,
  plan: MergePlan,
  base: MergeInput,
  self: MergeInput,
): Promise<MergeResult> {
  const merged = plan.entries.filter((e) => e.action === 'merge');
  const buffers = req.ws.map(() => new Map(merged.map((e) => [e.tensor.name, new Uint8Array(e.tensor.byteLength)])));
  const sinks: MergeSink[] = buffers.map((m) => ({
    write: async (name, offset, bytes, length) => {
      const buf = m.get(name);
      if (buf) buf.set(bytes.subarray(0, length), offset);
    },
  }));
  // only the merged tensors are streamed; copied ones keep their TensorProto as is
  const streamPlan: MergePlan = { entries: merged, skipped: plan.skipped };
  const { bytesRead, seconds } = await streamMerge(streamPlan, base.byName, self.byName, sinks, {
    chunkBytes: req.chunkBytes,
    onProgress: req.onProgress,
  });
  const baseFiles = await base.files();
  const selfFiles = await self.files();
  const model = base.model!;
  const keep = new Set(plan.entries.map((e) => e.tensor.name));
  const outputs: MergeOutput[] = [];
  for (let k = 0; k < req.ws.length; k++) {
    const recipe = recipeFor(req, policies, plan, req.ws[k], baseFiles, selfFiles);
    const initializer: TensorProto[] = [];
    for (const t of model.graph.initializer) {
      if (!keep.has(t.name)) continue;
      const data = buffers[k].get(t.name);
      if (data) initializer.push(inline(t, data));
      else if (t.dataLocation === 1) {
        const src = base.byName.get(t.name)!;
        const buf = new Uint8Array(src.byteLength);
        await src.read(buf, 0, 0, buf.length);
        initializer.push(inline(t, buf));
      } else initializer.push(t);
    }
    const out = {
      ...model,
      graph: { ...model.graph, initializer },
      metadataProps: [
        ...model.metadataProps.filter((e) => e.key !== RECIPE_KEY),
        { key: RECIPE_KEY, value: JSON.stringify(recipe) },
      ],
    };
    const bytes = encodeModel(out);
    const path = req.outputs[k];
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    outputs.push({ w: req.ws[k], path, bytes: bytes.length, recipe });
  }
  return { format: 'onnx', outputs, plan: summary(plan), bytesRead, seconds };
}

/** The tensor with its data as raw_data in the message (typed fields and external references dropped). */
function inline(t: TensorProto, data: Uint8Array): TensorProto {
  const {
    floatData: _f,
    int32Data: _i,
    int64Data: _l,
    doubleData: _d,
    uint64Data: _u,
    externalData: _e,
    dataLocation: _loc,
    ...rest
  } = t;
  return { ...rest, rawData: data };
}
