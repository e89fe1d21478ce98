// A file the command line was pointed at, read whole only if it is a regular file within a size bound; every failure
// is a usage error naming the flag and the file.
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from './flags.ts';

export async function readBounded(path: string, limit: number, flag: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`${flag}: '${path}' does not exist`);
  }
  if (!info.isFile()) throw new UsageError(`${flag}: '${path}' is not a file`);
  if (info.size > limit)
    throw new UsageError(`${flag}: '${path}' is ${info.size} bytes, more than the limit of ${limit}`);
  return new Uint8Array(await readFile(path));
}
