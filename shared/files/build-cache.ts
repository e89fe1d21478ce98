// Derived files the project builds from its own sources at run time and keeps for the next start, under
// node_modules/.cache/neon (beside the install, like other tools' caches). A name is the caller's content key
// (a hash of what the file is built from), so an entry is never stale; a cache that cannot be read or written is
// simply not used.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const BUILD_CACHE_DIR = resolve(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'neon');

/** The cached bytes under `name` (a file name: letters, digits, '.', '-', '_'), or null. */
export function readBuildCache(name: string): Uint8Array | null {
  if (!/^[\w.-]+$/.test(name)) throw new RangeError(`build cache name '${name}'`);
  try {
    return readFileSync(join(BUILD_CACHE_DIR, name));
  } catch {
    return null;
  }
}

/** Stores `bytes` under `name` (atomically: a reader sees the old file, the new one or none); false if it cannot. */
export function writeBuildCache(name: string, bytes: Uint8Array): boolean {
  if (!/^[\w.-]+$/.test(name)) throw new RangeError(`build cache name '${name}'`);
  const tmp = join(BUILD_CACHE_DIR, `.${name}.${process.pid}.tmp`);
  try {
    mkdirSync(BUILD_CACHE_DIR, { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(BUILD_CACHE_DIR, name));
    return true;
  } catch {
    return false;
  }
}
