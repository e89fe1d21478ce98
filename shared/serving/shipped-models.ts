// The models shipped with the repository (`models/<name>/model.onnx` + `model.json`); NEON_MODELS_DIR overrides.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

export function shippedModelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.NEON_MODELS_DIR && env.NEON_MODELS_DIR.trim() !== '' ? resolve(env.NEON_MODELS_DIR) : SHIPPED_MODELS_DIR;
}
