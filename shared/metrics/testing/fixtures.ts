// Where the shared FID fixtures live: ../shared/fixtures/fid beside the repository.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FID_FIXTURES = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'fid');

export const FID_PAIRS = ['d16_n500', 'd64_n2000', 'd256_n1000', 'd512_rankdef_n300', 'd2048_n5000'];

export function expectedFids(): Record<string, number> {
  return JSON.parse(readFileSync(join(FID_FIXTURES, 'expected.json'), 'utf8')) as Record<string, number>;
}

export function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}
