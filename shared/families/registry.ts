// The one family resolver: a manifest's `family` → the GeneratorFamily that trains and samples it. Every
// caller (training, the sampler service, `neon sample`, the synthesize job, the orchestrator's steps) resolves
// through here; tests and fixtures inject a table of their own with `familyResolver`.
import type { Family, Manifest } from '../models/manifest.ts';
import type { GeneratorFamily } from './generator-family.ts';
import { arFamily } from './ar.ts';
import { ddpmFamily } from './ddpm.ts';
import { edmFamily } from './edm.ts';
import { flowFamily } from './flow.ts';

export type FamilyResolver = (manifest: Manifest) => Promise<GeneratorFamily>;

export class UnknownFamilyError extends Error {
  override name = 'UnknownFamilyError';
}

const FAMILY_IMPLS: Record<Family, GeneratorFamily> = {
  flow: flowFamily,
  edm: edmFamily,
  ddpm: ddpmFamily,
  ar: arFamily,
};

/** The family implementation by name. */
export function familyFor(name: string): GeneratorFamily {
  const f = (FAMILY_IMPLS as Record<string, GeneratorFamily | undefined>)[name];
  if (!f)
    throw new UnknownFamilyError(`no generator family '${name}' (known: ${Object.keys(FAMILY_IMPLS).join(', ')})`);
  return f;
}

/** The project's families, as a resolver. */
export const builtinFamilies: FamilyResolver = async (manifest) => familyFor(manifest.family);

/** A resolver over a table of families (tests, the fixture); other families fall through to `fallback`. */
export function familyResolver(
  table: Partial<Record<Family, GeneratorFamily>>,
  fallback?: FamilyResolver,
): FamilyResolver {
  return async (manifest) => {
    const f = table[manifest.family];
    if (f) return f;
    if (fallback) return fallback(manifest);
    throw new UnknownFamilyError(`model '${manifest.name}': no sampler for family '${manifest.family}'`);
  };
}
