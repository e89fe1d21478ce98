// The engines behind a Neon process's steps: one onnxruntime engine (worker threads), tfjs loaded once, the
// family and feature-path resolvers, over the artifact store. `close()` stops the engine's threads.
import { OrtEngine } from '../../shared/engine/ort/ort-engine.ts';
import { loadTf, type TF } from '../../shared/engine/tf/tf-backend.ts';
import type { ArtifactStore } from '../../shared/store/artifact-store.ts';
import { createFamilySteps, type FamilyStepsDeps } from './family-steps.ts';
import { scorerFor } from './models.ts';
import { builtinFamilies } from '../../shared/families/registry.ts';
import type { NeonSteps } from './steps.ts';

export interface NeonRuntime {
  steps: NeonSteps;
  ort: OrtEngine;
  tf: () => Promise<TF>;
  close(): Promise<void>;
}

export function createNeonRuntime(
  opts: { store: ArtifactStore; ortWorkers?: number } & Partial<Pick<FamilyStepsDeps, 'family' | 'scorer'>>,
): NeonRuntime {
  const ort = new OrtEngine({ workers: opts.ortWorkers ?? 1 });
  let tfp: Promise<TF> | undefined;
  const tf = () => (tfp ??= loadTf());
  const steps = createFamilySteps({
    store: opts.store,
    tf,
    ort,
    family: opts.family ?? builtinFamilies,
    scorer: opts.scorer ?? scorerFor,
  });
  return { steps, ort, tf, close: () => ort.close() };
}
