// What each job of a Neon run does, as one interface the job handlers call. The orchestrator only sequences
// them; `createFamilySteps` (family-steps.ts) implements them for any GeneratorFamily with a feature path.
// Every step is a function of its inputs (artifact ids, config, seeds), and writes content-addressed artifacts,
// so running it again after a crash gives the same ids and the same numbers.
import type { Manifest } from '../../shared/models/manifest.ts';
import type { RunConfig, SeedRange } from '../../shared/neon/run-config.ts';

export interface BaseModel {
  /** `name` of the model (registry). */
  model: string;
  versionId: number;
  /** The ONNX artifact of θr. */
  artifactId: string;
  manifest: Manifest;
}

export type StepProgress = (p: Record<string, unknown>) => Promise<void>;

export interface StepContext {
  signal: AbortSignal;
  progress: StepProgress;
}

export interface SynthesisResult {
  /** The sample set artifact (S). */
  sample_set: string;
  n: number;
  seconds: number;
}

export interface SelfTrainResult {
  /** θs(k): one ONNX artifact per snapshot step. */
  snapshots: { step: number; artifact: string }[];
  /** Self-training examples seen / pretraining examples seen (same network: the compute ratio); null if unknown. */
  selftrain_ratio: number | null;
  seconds: number;
}

export interface TrialInput {
  /** θs(k) of the trial, or null for the base model (w = 0). */
  snapshot: { step: number; artifact: string } | null;
  w: number;
  cfg: number;
  seeds: SeedRange;
  /** Also report the FIDs of the two halves of the seeds. */
  halves?: boolean;
  /** Statistics of the first seeds of the range, measured before (contiguous from seeds.first). */
  reuse?: StatsChunk[];
}

/** Float64 feature statistics of the seeds first … first + count − 1, stored as a shard file artifact. */
export interface StatsChunk {
  first: number;
  count: number;
  stats: string;
}

export interface TrialResult {
  fid: number;
  n: number;
  /** Samples drawn by this trial (n less the reused ones). */
  sampled: number;
  /** The FIDs of the halves of the seeds, when asked. */
  fid_halves?: [number, number];
  /** The trial's statistics, chunk by chunk (a higher rung reuses them). */
  chunks: StatsChunk[];
  /** The feature space the FID was measured in. */
  features: string;
  seconds: number;
}

export interface MaterializeResult {
  /** The merged ONNX artifact θneon(w) (the base itself for w = 0). */
  artifact: { id: string; kind: string; bytes: number; config: Record<string, unknown> };
}

export interface NeonSteps {
  synthesize(base: BaseModel, config: RunConfig, ctx: StepContext): Promise<SynthesisResult>;
  selfTrain(base: BaseModel, config: RunConfig, sampleSet: string, ctx: StepContext): Promise<SelfTrainResult>;
  trial(base: BaseModel, config: RunConfig, input: TrialInput, ctx: StepContext): Promise<TrialResult>;
  materialize(
    base: BaseModel,
    snapshot: { step: number; artifact: string } | null,
    w: number,
  ): Promise<MaterializeResult>;
}
