// `neon merge`: θneon(w) = (1+w)·θr − w·θs over two checkpoints (safetensors file, sharded folder or index,
// or ONNX), one output per w, streamed. See docs/MERGE.md.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { UsageError, choiceFlag, gridFlag, parseFlags } from './flags.ts';
import { mergeCheckpoints, type MergeResult } from '../shared/merge/merge-checkpoints.ts';
import { isOnnxPath } from '../shared/merge/merge-input.ts';
import { MergeError } from '../shared/merge/merge-error.ts';
import { SafetensorsError } from '../shared/safetensors/errors.ts';
import { parseWRule, type WRule } from '../shared/merge/w-rules.ts';
import type { MissingPolicy, MismatchPolicy } from '../shared/merge/merge-plan.ts';
import type { MergeProgress } from '../shared/merge/stream-merge.ts';

const HELP = `usage: neon merge --base A --self B --w 1.0[,1.5,...] [--rule 'REGEX=W']... --out OUT [flags]

  --base PATH          the pretrained checkpoint θr: .safetensors, a sharded folder, its index.json, or .onnx
  --self PATH          the self-trained checkpoint θs (same format as --base)
  --w LIST             w values: 1.5, or 0.5,1,1.5, or a grid start:stop:step (θneon = (1+w)·θr − w·θs)
  --rule 'REGEX=W'     per-tensor w, first match wins (W a number, or a multiple of w: 0.5w); repeatable
  --out OUT            output file for one w; a folder for several (files named neon-w<W>.<ext>)
  --on-missing P       a tensor in one input only: error (default) | keep-base | skip
  --on-mismatch P      a dtype or shape mismatch: error (default) | keep-base
  --json               print a JSON summary on the last line of stdout
  --quiet              no progress on stderr`;

/** File name for the output of one w in a folder. */
export function outputName(w: number, ext: string): string {
  return `neon-w${String(w)}${ext}`;
}

export const mergeCommand: Command = {
  summary: 'merge two checkpoints: θneon = (1+w)·θr − w·θs, one output per w',
  async run(argv) {
    const flags = parseFlags(argv, {
      boolean: ['json', 'quiet', 'help'],
      string: ['base', 'self', 'w', 'out', 'on-missing', 'on-mismatch'],
      repeated: ['rule'],
    });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    if (flags.positionals.length) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
    const need = (name: string): string => {
      const v = flags.values.get(name);
      if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
      return v;
    };
    const base = need('base');
    const self = need('self');
    const out = need('out');
    const ws = gridFlag(flags, 'w');
    if (!ws || ws.length === 0) throw new UsageError('--w is required (e.g. --w 1.5 or --w 0:3:0.5)');
    if (new Set(ws).size !== ws.length) throw new UsageError('--w lists a value twice');
    const rules: WRule[] = (flags.lists.get('rule') ?? []).map((r) => {
      try {
        return parseWRule(r);
      } catch (err) {
        throw new UsageError(`--rule: ${(err as Error).message}`);
      }
    });
    const onMissing = choiceFlag<MissingPolicy>(flags, 'on-missing', ['error', 'keep-base', 'skip']);
    const onMismatch = choiceFlag<MismatchPolicy>(flags, 'on-mismatch', ['error', 'keep-base']);
    const ext = isOnnxPath(base) ? '.onnx' : '.safetensors';
    let outputs: string[];
    const outStat = await stat(out).catch(() => undefined);
    if (ws.length > 1 || outStat?.isDirectory()) {
      if (outStat && !outStat.isDirectory())
        throw new UsageError(`--out must be a folder when several w are given ('${out}' is a file)`);
      await mkdir(out, { recursive: true });
      outputs = ws.map((w) => join(out, outputName(w, ext)));
    } else outputs = [out];

    const quiet = flags.booleans.has('quiet');
    const onProgress = quiet ? undefined : progressPrinter();
    let result: MergeResult;
    try {
      result = await mergeCheckpoints({
        base,
        self,
        ws,
        outputs,
        rules,
        policies: { onMissing, onMismatch },
        onProgress,
      });
    } catch (err) {
      // inputs that do not merge (unreadable, truncated, mismatched) are bad input: one line naming the file, exit 2
      if (err instanceof MergeError || err instanceof SafetensorsError) throw new UsageError(err.message);
      throw err;
    }
    const mbps = result.seconds > 0 ? result.bytesRead / 1e6 / result.seconds : 0;
    if (!quiet) {
      console.error(
        `neon merge: ${result.plan.merged} tensors merged, ${result.plan.copied.length} copied, ${result.plan.skipped.length} skipped; ${(result.bytesRead / 1e6).toFixed(1)} MB read in ${result.seconds.toFixed(2)} s (${mbps.toFixed(0)} MB/s)`,
      );
    }
    for (const o of result.outputs) console.log(`w=${o.w}\t${o.path}\t${o.bytes} bytes`);
    if (flags.booleans.has('json')) {
      console.log(
        JSON.stringify({
          format: result.format,
          outputs: result.outputs.map((o) => ({ w: o.w, path: o.path, bytes: o.bytes })),
          merged: result.plan.merged,
          copied: result.plan.copied,
          skipped: result.plan.skipped,
          bytes_read: result.bytesRead,
          seconds: result.seconds,
          mb_per_s: mbps,
          recipe: result.outputs[0].recipe,
        }),
      );
    }
    return 0;
  },
};

function progressPrinter(): (p: MergeProgress) => void {
  let last = -Infinity;
  return (p) => {
    if (p.bytesTotal < 64e6) return;
    const final = p.bytesDone === p.bytesTotal;
    if (!final && p.seconds - last < 2) return;
    last = p.seconds;
    const mbps = p.seconds > 0 ? p.bytesDone / 1e6 / p.seconds : 0;
    console.error(
      `merge: ${(p.bytesDone / 1e6).toFixed(0)} / ${(p.bytesTotal / 1e6).toFixed(0)} MB (${((100 * p.bytesDone) / p.bytesTotal).toFixed(0)}%) ${mbps.toFixed(0)} MB/s`,
    );
  };
}
