// A path inside a root folder, checked the strict way: no NUL, no `..` escape, and no symbolic link anywhere between
// the root and the target (a link inside a store or a model folder could point anywhere on the host).
import { lstatSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export class PathEscapeError extends Error {
  override name = 'PathEscapeError';
}

/** `ref` resolved under `root`; throws PathEscapeError naming `ref` (relative, never the host path) if it leaves it. */
export function containedPath(root: string, ref: string): string {
  const shown = ref.length > 200 ? `${ref.slice(0, 200)}…` : ref;
  if (ref.includes('\0')) throw new PathEscapeError(`path '${shown.replaceAll('\0', '\\0')}' contains a NUL character`);
  const base = resolve(root);
  const p = resolve(base, ref);
  const rel = relative(base, p);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new PathEscapeError(`path '${shown}' is outside its folder`);
  // every existing component from the root down must be a real file or folder, not a link
  let at = base;
  for (const part of rel.split(sep).filter(Boolean)) {
    at = join(at, part);
    const info = lstatSync(at, { throwIfNoEntry: false });
    if (!info) break; // does not exist (yet): nothing below it can be a link
    if (info.isSymbolicLink())
      throw new PathEscapeError(
        `path '${shown}' goes through a symbolic link ('${relative(base, at)}'); links are not followed`,
      );
  }
  return p;
}
