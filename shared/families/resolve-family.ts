// Which GeneratorFamily samples a model: the one exported by shared/families/<family>.ts for the manifest's family
// (found by shape: an object whose `family` is that name, with `loss`, `sample` and `evaluationsPerSample`).
// A model whose family has no module cannot be served.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Family, Manifest } from '../models/manifest.ts';
import type { GeneratorFamily } from './generator-family.ts';

export type FamilyResolver = (manifest: Manifest) => Promise<GeneratorFamily>;

export class UnknownFamilyError extends Error {
  override name = 'UnknownFamilyError';
}

function isFamily(x: unknown, family: string): x is GeneratorFamily {
  const f = x as GeneratorFamily;
  return typeof x === 'object' && x !== null && f.family === family && typeof f.sample === 'function' && typeof f.loss === 'function' && typeof f.evaluationsPerSample === 'function';
}

const loaded = new Map<string, Promise<GeneratorFamily>>();

/** The project's family modules, loaded on first use. */
export const builtinFamilies: FamilyResolver = (manifest) => {
  const name = manifest.family;
  let p = loaded.get(name);
  if (!p) {
    p = (async () => {
      const url = new URL(`./${name}.ts`, import.meta.url);
      if (!existsSync(fileURLToPath(url))) throw new UnknownFamilyError(`model '${manifest.name}': no sampler for family '${name}' (shared/families/${name}.ts)`);
      const found = Object.values((await import(url.href)) as Record<string, unknown>).find((v) => isFamily(v, name));
      if (!found) throw new UnknownFamilyError(`model '${manifest.name}': shared/families/${name}.ts exports no GeneratorFamily '${name}'`);
      return found;
    })();
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
};

/** A resolver over a table of families (tests, the fixture); other families fall through to `fallback`. */
export function familyResolver(table: Partial<Record<Family, GeneratorFamily>>, fallback?: FamilyResolver): FamilyResolver {
  return async (manifest) => {
    const f = table[manifest.family];
    if (f) return f;
    if (fallback) return fallback(manifest);
    throw new UnknownFamilyError(`model '${manifest.name}': no sampler for family '${manifest.family}'`);
  };
}
