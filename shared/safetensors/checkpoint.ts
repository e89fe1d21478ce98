// A checkpoint: one .safetensors file, or a sharded one — a folder with `model.safetensors.index.json`
// (`{"metadata": {...}, "weight_map": {tensor: shard file}}`) and its shards. Every tensor is found in exactly
// one shard, the one the index names, and every shard's tensors are all in the index.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileSource, type ByteSource } from './byte-source.ts';
import { SafetensorsError } from './errors.ts';
import { SafetensorsFile, openSafetensorsSource, type ReadOptions } from './reader.ts';
import type { TensorInfo } from './header.ts';
import { parseStrictJson } from './strict-json.ts';

export const INDEX_NAME = 'model.safetensors.index.json';

export interface CheckpointTensor {
  info: TensorInfo;
  file: SafetensorsFile;
}

export class Checkpoint {
  readonly tensors = new Map<string, CheckpointTensor>();
  constructor(
    /** The path the user gave (file, folder or index). */
    readonly path: string,
    readonly files: SafetensorsFile[],
    readonly metadata: Record<string, string>,
    readonly sharded: boolean,
  ) {
    for (const f of files) for (const t of f.tensors) this.tensors.set(t.name, { info: t, file: f });
  }

  /** Tensor names in storage order (shard by shard, by offset). */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

export interface OpenCheckpointOptions extends ReadOptions {
  /** Wraps each opened file's source (e.g. to hash what is read). */
  wrap?: (src: ByteSource) => ByteSource;
}

async function openFile(path: string, opts: OpenCheckpointOptions): Promise<SafetensorsFile> {
  const raw = await FileSource.open(path);
  const src = opts.wrap ? opts.wrap(raw) : raw;
  try {
    return await openSafetensorsSource(src, opts);
  } catch (err) {
    await src.close();
    throw err;
  }
}

/** Resolves a user's path to a single file or an index file. */
export async function resolveCheckpointPath(path: string): Promise<{ file?: string; index?: string }> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new SafetensorsError('invalid_index', `${path}: no such file or folder`);
  if (st.isFile()) return path.endsWith('.json') ? { index: path } : { file: path };
  const entries = await readdir(path);
  if (entries.includes(INDEX_NAME)) return { index: join(path, INDEX_NAME) };
  const indexes = entries.filter((e) => e.endsWith('.safetensors.index.json'));
  if (indexes.length === 1) return { index: join(path, indexes[0]) };
  const files = entries.filter((e) => e.endsWith('.safetensors'));
  if (indexes.length === 0 && files.length === 1) return { file: join(path, files[0]) };
  throw new SafetensorsError(
    'invalid_index',
    `${path}: a checkpoint folder needs ${INDEX_NAME} or exactly one .safetensors file (found ${files.length} files, ${indexes.length} indexes)`,
  );
}

export async function openCheckpoint(path: string, opts: OpenCheckpointOptions = {}): Promise<Checkpoint> {
  const where = await resolveCheckpointPath(path);
  if (where.file) {
    const f = await openFile(where.file, opts);
    return new Checkpoint(path, [f], f.metadata, false);
  }
  const indexPath = where.index!;
  const root = parseStrictJson((await readFile(indexPath)).toString('utf8'), indexPath);
  const fail = (msg: string): never => {
    throw new SafetensorsError('invalid_index', `${indexPath}: ${msg}`);
  };
  if (!(root instanceof Map)) return fail('the index must be a JSON object');
  const wm = root.get('weight_map');
  if (!(wm instanceof Map)) return fail('weight_map must be an object of tensor name → shard file');
  // the index's own "metadata" (e.g. total_size) describes the index; the tensors' metadata is the shards'
  const metadata: Record<string, string> = {};
  const shardOf = new Map<string, string>();
  const shardNames: string[] = [];
  for (const [tensor, file] of wm) {
    if (typeof file !== 'string' || file === '' || file !== basename(file) || file === '.' || file === '..') {
      fail(`weight_map[${JSON.stringify(tensor)}] must be a file name in the index's folder`);
    }
    const f = file as string;
    shardOf.set(tensor, f);
    if (!shardNames.includes(f)) shardNames.push(f);
  }
  shardNames.sort();
  const dir = dirname(resolve(indexPath));
  const files: SafetensorsFile[] = [];
  try {
    for (const s of shardNames) files.push(await openFile(join(dir, s), opts));
    const seen = new Set<string>();
    files.forEach((f, i) => {
      for (const t of f.tensors) {
        const want = shardOf.get(t.name);
        if (want === undefined)
          fail(`shard ${shardNames[i]} holds tensor ${JSON.stringify(t.name)}, which the weight_map does not list`);
        if (want !== shardNames[i])
          fail(`tensor ${JSON.stringify(t.name)} is in ${shardNames[i]} but the weight_map says ${want}`);
        seen.add(t.name);
      }
    });
    for (const [tensor, file] of shardOf) {
      if (!seen.has(tensor)) fail(`tensor ${JSON.stringify(tensor)} is not in ${file}`);
    }
  } catch (err) {
    await Promise.all(files.map((f) => f.close()));
    throw err;
  }
  for (const f of files) for (const [k, v] of Object.entries(f.metadata)) if (!(k in metadata)) metadata[k] = v;
  return new Checkpoint(path, files, metadata, true);
}
