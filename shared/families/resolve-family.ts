// Which GeneratorFamily samples a model: looked up by the manifest's family. The families live in
// shared/families/<family>.ts; a model whose family has no sampler here cannot be served.
import type { Family, Manifest } from '../models/manifest.ts';
import type { GeneratorFamily } from './generator-family.ts';

export type FamilyResolver = (manifest: Manifest) => Promise<GeneratorFamily>;

export class UnknownFamilyError extends Error {
  override name = 'UnknownFamilyError';
}

/** The project's families, loaded on first use. */
const BUILTIN: Partial<Record<Family, () => Promise<GeneratorFamily>>> = {
  // flow, edm and ar are registered here as their modules land (shared/families/<family>.ts).
};

/** A resolver over a table of families (default: the built-in ones). */
export function familyResolver(table: Partial<Record<Family, GeneratorFamily | (() => Promise<GeneratorFamily>)>> = BUILTIN): FamilyResolver {
  return async (manifest) => {
    const f = table[manifest.family];
    if (!f) throw new UnknownFamilyError(`model '${manifest.name}': no sampler for family '${manifest.family}'`);
    return typeof f === 'function' ? f() : f;
  };
}

export const builtinFamilies: FamilyResolver = familyResolver();
