// Each family's contract with its network graph: which inputs it feeds (by role), their element types and shapes,
// and the output it reads. A graph from anywhere (torch.onnx.export, our builder) fits a family when its inputs
// bind one-to-one to the family's roles and its output has the shape the family's loss and sampler expect.
//   flow  x [N, C, H, W] float (x_t), t [N, 1] float (t ∈ [0, 1]), y [N] int64 (class; null class for guidance)
//         → velocity [N, C, H, W]
//   edm   x [N, C, H, W] float (c_in(σ)·x), t [N, 1] float (c_noise(σ) = ln(σ)/4), y [N] int64 → F [N, C, H, W]
//   ddpm  x [N, D] float (x_t), t [N, 1] float (t/(T−1)) → ε̂ [N, D]
//   ar    x [N, D] float (pixel levels as values in [−1, 1], raster order), y [N] int64 → logits [N, D·K],
//         where the logits of pixel i may depend only on pixels < i (and y)
import { DataType, type ModelProto } from '../onnx/onnx-proto.ts';
import { graphInputs } from '../onnx/graph-inputs.ts';
import { f32, i64, type Feeds } from '../engine/tensor.ts';
import type { Family } from '../models/manifest.ts';
import { Rng } from '../random/prng.ts';

export type Role = 'x' | 't' | 'y';

export const FAMILY_ROLES: Record<Family, readonly Role[]> = {
  flow: ['x', 't', 'y'],
  edm: ['x', 't', 'y'],
  ddpm: ['x', 't'],
  ar: ['x', 'y'],
};

const ROLE_TYPES: Record<Role, number> = { x: DataType.FLOAT, t: DataType.FLOAT, y: DataType.INT64 };
const TYPE_NAMES: Record<number, string> = { [DataType.FLOAT]: 'float32', [DataType.INT64]: 'int64' };

export class ContractError extends Error {
  override name = 'ContractError';
}

export interface ContractSpec {
  family: Family;
  /** One sample's shape, channels first ([C, H, W]; the AR and DDPM networks see it flattened). */
  shape: number[];
  /** AR: the number of levels K per pixel. */
  vocab?: number;
}

/**
 * Binds the family's roles to graph inputs: an explicit ROLE=NAME, else the input named like the role. Every role
 * must bind, and every graph input must be bound (the family feeds nothing else).
 */
export function bindRoles(
  model: ModelProto,
  family: Family,
  explicit: Partial<Record<string, string>> = {},
): Record<Role, string> {
  const roles = FAMILY_ROLES[family];
  for (const r of Object.keys(explicit)) {
    if (!roles.includes(r as Role))
      throw new ContractError(
        `--input ${r}: the ${family} family has no input role '${r}' (roles: ${roles.join(', ')})`,
      );
  }
  const inputs = graphInputs(model);
  const names = new Set(inputs.map((i) => i.name));
  const bound = {} as Record<Role, string>;
  for (const role of roles) {
    const name = explicit[role] ?? role;
    if (!names.has(name)) {
      throw new ContractError(
        `input role '${role}': the graph has no input '${name}' (inputs: ${[...names].join(', ') || 'none'}; bind it with --input ${role}=NAME)`,
      );
    }
    bound[role] = name;
  }
  const used = new Set(Object.values(bound));
  const extra = inputs.find((i) => !used.has(i.name));
  if (extra)
    throw new ContractError(
      `graph input '${extra.name}' is not one of the ${family} family's roles (${roles.join(', ')}): the sampler could not feed it`,
    );
  return bound;
}

/** The dims the family feeds for a role, with batch n. */
export function roleDims(spec: ContractSpec, role: Role, n: number): number[] {
  if (role === 't') return [n, 1];
  if (role === 'y') return [n];
  const dim = spec.shape.reduce((a, b) => a * b, 1);
  return spec.family === 'flow' || spec.family === 'edm' ? [n, ...spec.shape] : [n, dim];
}

/** The output dims the family reads, with batch n. */
export function outputDims(spec: ContractSpec, n: number): number[] {
  if (spec.family === 'ar') {
    if (!spec.vocab) throw new ContractError('an autoregressive model needs its vocabulary (--vocab K)');
    return [n, spec.shape.reduce((a, b) => a * b, 1) * spec.vocab];
  }
  return roleDims(spec, 'x', n);
}

/** Static checks of the bound inputs' element types and known dims against the contract. */
export function checkInputs(model: ModelProto, spec: ContractSpec, bound: Record<Role, string>): void {
  const byName = new Map(graphInputs(model).map((i) => [i.name, i]));
  for (const [role, name] of Object.entries(bound) as [Role, string][]) {
    const info = byName.get(name)!;
    const want = ROLE_TYPES[role];
    if (info.elemType !== undefined && info.elemType !== want) {
      throw new ContractError(
        `input '${name}' (role ${role}): element type ${TYPE_NAMES[info.elemType] ?? info.elemType}, the ${spec.family} family feeds ${TYPE_NAMES[want]}`,
      );
    }
    if (!info.shape) continue;
    const dims = roleDims(spec, role, -1);
    if (info.shape.length !== dims.length) {
      throw new ContractError(
        `input '${name}' (role ${role}): rank ${info.shape.length}, the ${spec.family} family feeds [${dims.map((d) => (d < 0 ? 'N' : d)).join(', ')}]`,
      );
    }
    info.shape.forEach((d, i) => {
      if (i > 0 && d.value !== undefined && d.value > 0 && d.value !== dims[i]) {
        throw new ContractError(
          `input '${name}' (role ${role}): dimension ${i} is ${d.value}, the ${spec.family} family feeds [${dims.map((v) => (v < 0 ? 'N' : v)).join(', ')}]`,
        );
      }
    });
  }
}

/** Random feeds in the contract's shapes (batch n): normal x (ar: random levels), uniform t in (0, 1), class 0 for y. */
export function contractFeeds(spec: ContractSpec, bound: Record<Role, string>, n: number, seed = 0): Feeds {
  const rng = new Rng(seed);
  const feeds: Feeds = {};
  for (const [role, name] of Object.entries(bound) as [Role, string][]) {
    const dims = roleDims(spec, role, n);
    const size = dims.reduce((a, b) => a * b, 1);
    const K = spec.vocab ?? 2;
    const value = () =>
      role === 't' ? rng.uniform() : spec.family === 'ar' ? (2 * rng.int(K)) / (K - 1) - 1 : rng.normal();
    if (role === 'y') feeds[name] = i64(new BigInt64Array(size), dims);
    else feeds[name] = f32(Float32Array.from({ length: size }, value), dims);
  }
  return feeds;
}

/** The loss and sampler a family's manifest gets when the user names none (the shipped models' choices). */
export function familyDefaults(family: Family): {
  loss: { kind: 'flow-matching' | 'edm' | 'ddpm-eps' | 'cross-entropy'; params: Record<string, unknown> };
  sampler: {
    kind: string;
    steps?: number;
    guidance_scale?: number;
    temperature?: number;
    top_k?: number;
    params: Record<string, unknown>;
  };
} {
  switch (family) {
    case 'flow':
      return {
        loss: { kind: 'flow-matching', params: { t: 'uniform' } },
        sampler: { kind: 'heun', steps: 10, guidance_scale: 1, params: {} },
      };
    case 'edm':
      return {
        loss: { kind: 'edm', params: { sigma_data: 0.5, p_mean: -1.2, p_std: 1.2 } },
        sampler: {
          kind: 'edm-heun',
          steps: 18,
          guidance_scale: 1,
          params: { sigma_min: 0.002, sigma_max: 80, rho: 7 },
        },
      };
    case 'ddpm':
      return {
        loss: { kind: 'ddpm-eps', params: { T: 1000, schedule: 'cosine' } },
        sampler: { kind: 'ddim', steps: 20, guidance_scale: 1, params: { eta: 1 } },
      };
    case 'ar':
      return {
        loss: { kind: 'cross-entropy', params: {} },
        sampler: { kind: 'ancestral', guidance_scale: 1, temperature: 1, top_k: 0, params: {} },
      };
  }
}
