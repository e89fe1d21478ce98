// One model folder given by path (`model.onnx` + `model.json`), as a model source.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest } from '../models/manifest.ts';
import { MemoryModelSource } from './model-source.ts';

export function isModelDir(path: string): boolean {
  return existsSync(join(path, 'model.json')) && existsSync(join(path, 'model.onnx'));
}

/** A source holding the one model of a folder; returns it and the model's name. */
export async function modelDirSource(path: string): Promise<{ source: MemoryModelSource; name: string }> {
  const manifest = parseManifest(
    JSON.parse(await readFile(join(path, 'model.json'), 'utf8')),
    join(path, 'model.json'),
  );
  const onnx = new Uint8Array(await readFile(join(path, 'model.onnx')));
  return { source: new MemoryModelSource().add(onnx, manifest), name: manifest.name };
}
