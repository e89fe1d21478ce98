// numpy's .npz: a zip archive of .npy members named '<key>.npy' (np.savez stores, np.savez_compressed deflates).
import { readFile, writeFile } from 'node:fs/promises';
import { parseNpy, serializeNpy, NpyError } from './npy.ts';
import type { NdArray, NpyData } from './npy.ts';
import { readZip, readZipAsync, writeZip, ZipError, type ReadZipOptions, type ZipEntry } from './zip.ts';

export class NpzError extends Error {
  override name = 'NpzError';
}

/**
 * Parses .npz bytes into arrays keyed by name (without the '.npy' suffix). `what` names the source in errors;
 * `maxBytes` bounds the uncompressed size of all members together (see readZip).
 */
export function parseNpz(buf: Uint8Array, what = 'npz', opts: ReadZipOptions = {}): Map<string, NdArray> {
  let entries;
  try {
    entries = readZip(buf, opts);
  } catch (err) {
    if (err instanceof ZipError) throw new NpzError(`${what}: ${err.message}`);
    throw err;
  }
  return arraysOf(entries, what);
}

/** parseNpz with the members inflated off the event loop (readZipAsync); the same results and errors. */
export async function parseNpzAsync(
  buf: Uint8Array,
  what = 'npz',
  opts: ReadZipOptions = {},
): Promise<Map<string, NdArray>> {
  let entries;
  try {
    entries = await readZipAsync(buf, opts);
  } catch (err) {
    if (err instanceof ZipError) throw new NpzError(`${what}: ${err.message}`);
    throw err;
  }
  return arraysOf(entries, what);
}

function arraysOf(entries: readonly ZipEntry[], what: string): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const e of entries) {
    if (!e.name.endsWith('.npy')) continue;
    try {
      out.set(e.name.slice(0, -4), parseNpy(e.data));
    } catch (err) {
      if (err instanceof NpyError) throw new NpzError(`${what}: member '${e.name}': ${err.message}`);
      throw err;
    }
  }
  return out;
}

export function serializeNpz(
  arrays: Record<string, { shape: readonly number[]; data: NpyData }>,
  compress = false,
): Uint8Array {
  return writeZip(
    Object.entries(arrays).map(([k, a]) => ({ name: `${k}.npy`, data: serializeNpy(a) })),
    compress,
  );
}

export async function loadNpz(path: string): Promise<Map<string, NdArray>> {
  return parseNpz(await readFile(path), path);
}

export async function saveNpz(
  path: string,
  arrays: Record<string, { shape: readonly number[]; data: NpyData }>,
  compress = false,
): Promise<void> {
  await writeFile(path, serializeNpz(arrays, compress));
}

export async function loadNpy(path: string): Promise<NdArray> {
  try {
    return parseNpy(await readFile(path));
  } catch (err) {
    if (err instanceof NpyError) throw new NpzError(`${path}: ${err.message}`);
    throw err;
  }
}
