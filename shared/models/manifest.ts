// The manifest beside every model graph (model.onnx + model.json): what the model is, how it was trained,
// how it is sampled, and where it came from. Validated with zod wherever a manifest is read.
import { z } from 'zod';

export const FAMILIES = ['flow', 'edm', 'ddpm', 'ar'] as const;
export type Family = (typeof FAMILIES)[number];

const positiveInt = z.number().int().positive();

export const dataSpecSchema = z.object({
  /** Shape of one sample, channels first, e.g. [1, 28, 28], or [2] for the 2-d toy. */
  shape: z.array(positiveInt).min(1),
  /** Continuous families: the value range the network sees (images map [0, 255] onto it). */
  range: z.tuple([z.number(), z.number()]).optional(),
  /** Autoregressive families: the number of token values (e.g. quantization levels of a pixel). */
  vocab: positiveInt.optional(),
});

export const conditioningSchema = z
  .object({
    /** Number of real classes; 0 for unconditional models. */
    num_classes: z.number().int().min(0),
    /** The label that means "no class" for classifier-free guidance (usually num_classes). */
    null_class: z.number().int().min(0).optional(),
    /** Probability of replacing the label by the null class while training. */
    label_dropout: z.number().min(0).max(1).default(0),
    /** A name per class label, in label order (shown by the console and GET /v1/models/{id}). */
    class_names: z.array(z.string().min(1).max(64)).max(10_000).optional(),
  })
  .refine((c) => c.class_names === undefined || c.class_names.length === c.num_classes, {
    path: ['class_names'],
    message: 'needs one name per class (num_classes)',
  });

export const lossSchema = z.object({
  /** 'flow-matching' (rectified flow, velocity), 'edm' (Karras et al. 2022), 'ddpm-eps', 'cross-entropy'. */
  kind: z.enum(['flow-matching', 'edm', 'ddpm-eps', 'cross-entropy']),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const samplerSchema = z.object({
  /** 'euler' | 'heun' (flow ODE), 'edm-heun' (EDM Algorithm 2), 'ddim', 'ancestral' (autoregressive). */
  kind: z.string().min(1),
  steps: positiveInt.optional(),
  guidance_scale: z.number().min(0).optional(),
  temperature: z.number().positive().optional(),
  top_k: z.number().int().min(0).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
});

/** The graph's interface: which graph input carries what. */
export const ioSchema = z.object({
  inputs: z.record(z.string(), z.string()),
  outputs: z.record(z.string(), z.string()),
});

export const lineageSchema = z.object({
  /** Content hash (sha256 of the ONNX bytes) of the base version, for derived models. */
  base: z.string().optional(),
  /** The self-training that made a snapshot, or that the Neon merge reversed. */
  self_train: z
    .object({
      snapshot: z.string().optional(),
      step: z.number().int().min(0).optional(),
      sample_set: z.string().optional(),
      compute_fraction: z.number().min(0).optional(),
    })
    .optional(),
  /** Neon merge weight: θ = (1 + w)·θr − w·θs. */
  w: z.number().optional(),
  rules: z.array(z.object({ pattern: z.string(), w: z.number() })).optional(),
  run: z.string().optional(),
});

export const trainingSchema = z.object({
  steps: z.number().int().min(0),
  batch: positiveInt.optional(),
  lr: z.number().positive().optional(),
  seed: z.number().int().optional(),
  /** Training compute in FLOP (6 · parameters · examples seen, or measured). */
  flops: z.number().min(0).optional(),
  seconds: z.number().min(0).optional(),
  dataset: z.string().optional(),
});

export const metricSchema = z.object({
  value: z.number(),
  n: positiveInt.optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export const manifestSchema = z.object({
  /** e.g. 'fmnist-flow'. */
  name: z
    .string()
    .min(1)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  family: z.enum(FAMILIES),
  description: z.string().default(''),
  data: dataSpecSchema,
  conditioning: conditioningSchema,
  loss: lossSchema,
  sampler: samplerSchema,
  io: ioSchema,
  lineage: lineageSchema.default({}),
  training: trainingSchema.optional(),
  metrics: z.record(z.string(), metricSchema).default({}),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;

/** Parses a manifest; the error names the offending field. */
export function parseManifest(json: unknown, source = 'manifest'): Manifest {
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
