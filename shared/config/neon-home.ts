// NEON_HOME: the data folder (database, artifacts, outputs); ./.neon by default.
import { resolve } from 'node:path';

export function neonHome(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.NEON_HOME && env.NEON_HOME.trim() !== '' ? env.NEON_HOME : '.neon');
}
