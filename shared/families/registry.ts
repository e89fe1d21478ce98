// The generator families by name.
import type { GeneratorFamily } from './generator-family.ts';
import { flowFamily } from './flow.ts';
import { edmFamily } from './edm.ts';
import { arFamily } from './ar.ts';

const FAMILY_IMPLS: Record<string, GeneratorFamily> = { flow: flowFamily, edm: edmFamily, ar: arFamily };

export function familyFor(name: string): GeneratorFamily {
  const f = FAMILY_IMPLS[name];
  if (!f) throw new Error(`no generator family '${name}' (known: ${Object.keys(FAMILY_IMPLS).join(', ')})`);
  return f;
}
