// The model registry: models, their versions (an ONNX artifact, its manifest, its lineage), aliases, and the
// artifacts table that mirrors the artifact store's manifests.
// References: `name` (the `default` alias), `name@tag` (a version tag), `name@alias` (e.g. `fmnist-flow@neon`).
import type { Manifest } from '../models/manifest.ts';
import { createHash } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import {
  aliases,
  artifacts,
  models,
  modelVersions,
  type ArtifactRow,
  type ModelRow,
  type ModelVersionRow,
} from '../db/schema.ts';
import type { ArtifactManifest } from '../store/artifact-store.ts';

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/i;
/** The alias a bare model name resolves through. */
export const DEFAULT_ALIAS = 'default';

export class RegistryError extends Error {
  override name = 'RegistryError';
}

export interface ModelRef {
  name: string;
  /** A tag or an alias; undefined for the bare name. */
  selector?: string;
}

/** Splits `name` or `name@selector`; throws RegistryError on a malformed reference. */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const selector = at < 0 ? undefined : ref.slice(at + 1);
  if (!NAME.test(name)) throw new RegistryError(`bad model name in '${ref}': use letters, digits, '.', '_' or '-'`);
  if (selector !== undefined && !NAME.test(selector))
    throw new RegistryError(`bad tag or alias in '${ref}': use letters, digits, '.', '_' or '-'`);
  return { name, selector };
}

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The content hash of a version: sha256 over its ONNX artifact id and its manifest (canonical JSON). */
export function versionContentHash(artifactId: string, manifest: unknown): string {
  return createHash('sha256')
    .update(`neon-model-version\n${artifactId}\n${canonicalJson(manifest)}`)
    .digest('hex');
}

/** Records an artifact store manifest (idempotent: the id is the content hash). */
export async function recordArtifact(
  db: Db,
  manifest: Pick<ArtifactManifest, 'id' | 'kind' | 'bytes' | 'config'>,
): Promise<ArtifactRow> {
  const [row] = await db
    .insert(artifacts)
    .values({ id: manifest.id, kind: manifest.kind, bytes: manifest.bytes, config: manifest.config })
    .onConflictDoNothing({ target: artifacts.id })
    .returning();
  if (row) return row;
  const [existing] = await db.select().from(artifacts).where(eq(artifacts.id, manifest.id));
  return existing;
}

export async function getArtifact(db: Db, id: string): Promise<ArtifactRow | undefined> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.id, id));
  return row;
}

export async function ensureModel(db: Db, name: string): Promise<ModelRow> {
  if (!NAME.test(name)) throw new RegistryError(`bad model name '${name}'`);
  await db.insert(models).values({ name }).onConflictDoNothing({ target: models.name });
  const [row] = await db.select().from(models).where(eq(models.name, name));
  return row;
}

export interface RegisterVersionInput {
  model: string;
  /** `base`, `neon-<run>`, ...: the version is `<model>@<tag>`. */
  tag: string;
  /** The ONNX artifact: its store manifest (recorded here if new) or the id of one already recorded. */
  artifact: string | Pick<ArtifactManifest, 'id' | 'kind' | 'bytes' | 'config'>;
  manifest: Manifest;
  /** Default: versionContentHash(artifact id, manifest). */
  contentHash?: string;
  baseVersionId?: number;
  snapshot?: number;
  w?: number;
  runId?: string;
  /** Point the model's bare name (the `default` alias) here; a model's first version gets it anyway. */
  makeDefault?: boolean;
}

export interface RegisteredVersion {
  model: ModelRow;
  version: ModelVersionRow;
  /** False when a version with the same content already existed (it is returned, whatever its tag). */
  created: boolean;
}

/** Registers a version, idempotently on its content hash. A tag already used by other content is an error. */
export async function registerModelVersion(db: Db, input: RegisterVersionInput): Promise<RegisteredVersion> {
  if (!NAME.test(input.tag)) throw new RegistryError(`bad version tag '${input.tag}'`);
  return db.transaction(async (tx) => {
    const model = await ensureModel(tx, input.model);
    const artifactId =
      typeof input.artifact === 'string' ? input.artifact : (await recordArtifact(tx, input.artifact)).id;
    if (!(await getArtifact(tx, artifactId)))
      throw new RegistryError(`artifact ${artifactId} is not recorded; record it first`);
    const contentHash = input.contentHash ?? versionContentHash(artifactId, input.manifest);
    const [clash] = await tx
      .select({ alias: aliases.alias })
      .from(aliases)
      .where(and(eq(aliases.modelId, model.id), eq(aliases.alias, input.tag)));
    if (clash) throw new RegistryError(`${input.model}@${input.tag} is an alias; a version tag cannot share its name`);
    const [inserted] = await tx
      .insert(modelVersions)
      .values({
        modelId: model.id,
        tag: input.tag,
        contentHash,
        artifactId,
        manifest: input.manifest,
        baseVersionId: input.baseVersionId ?? null,
        snapshot: input.snapshot ?? null,
        w: input.w ?? null,
        runId: input.runId ?? null,
      })
      .onConflictDoNothing()
      .returning();
    let version = inserted;
    if (!version) {
      const [same] = await tx
        .select()
        .from(modelVersions)
        .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.contentHash, contentHash)));
      if (!same) throw new RegistryError(`${input.model}@${input.tag} already exists with other content`);
      version = same;
    }
    const [hasDefault] = await tx
      .select({ v: aliases.versionId })
      .from(aliases)
      .where(and(eq(aliases.modelId, model.id), eq(aliases.alias, DEFAULT_ALIAS)));
    if (input.makeDefault || !hasDefault) await upsertAlias(tx, model.id, DEFAULT_ALIAS, version.id);
    return { model, version, created: inserted !== undefined };
  });
}

async function upsertAlias(db: Db, modelId: number, alias: string, versionId: number): Promise<void> {
  await db
    .insert(aliases)
    .values({ modelId, alias, versionId })
    .onConflictDoUpdate({ target: [aliases.modelId, aliases.alias], set: { versionId, updatedAt: sql`now()` } });
}

/** Points `<model>@<alias>` at a version of that model (creating or moving the alias). */
export async function setAlias(db: Db, model: string, alias: string, versionId: number): Promise<void> {
  if (!NAME.test(alias)) throw new RegistryError(`bad alias '${alias}'`);
  await db.transaction(async (tx) => {
    const [m] = await tx.select().from(models).where(eq(models.name, model));
    if (!m) throw new RegistryError(`no model '${model}'`);
    const [v] = await tx.select().from(modelVersions).where(eq(modelVersions.id, versionId));
    if (!v || v.modelId !== m.id) throw new RegistryError(`version ${versionId} is not a version of '${model}'`);
    const [tagged] = await tx
      .select({ id: modelVersions.id })
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, m.id), eq(modelVersions.tag, alias)));
    if (tagged) throw new RegistryError(`${model}@${alias} is a version tag; an alias cannot share its name`);
    await upsertAlias(tx, m.id, alias, versionId);
  });
}

export interface ResolvedModel {
  model: ModelRow;
  version: ModelVersionRow;
  /** How the reference matched. */
  via: 'tag' | 'alias';
}

/** Resolves `name`, `name@tag` or `name@alias` (tags first); undefined when nothing matches. */
export async function resolveModel(db: Db, ref: string): Promise<ResolvedModel | undefined> {
  const { name, selector } = parseModelRef(ref);
  const [model] = await db.select().from(models).where(eq(models.name, name));
  if (!model) return undefined;
  if (selector !== undefined) {
    const [version] = await db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.tag, selector)));
    if (version) return { model, version, via: 'tag' };
  }
  const [hit] = await db
    .select({ version: modelVersions })
    .from(aliases)
    .innerJoin(modelVersions, eq(aliases.versionId, modelVersions.id))
    .where(and(eq(aliases.modelId, model.id), eq(aliases.alias, selector ?? DEFAULT_ALIAS)));
  return hit ? { model, version: hit.version, via: 'alias' } : undefined;
}

export async function getModelVersion(db: Db, id: number): Promise<ModelVersionRow | undefined> {
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.id, id));
  return row;
}

/** A model's versions, oldest first, and its aliases. */
export async function listModelVersions(
  db: Db,
  name: string,
): Promise<{ versions: ModelVersionRow[]; aliases: Record<string, number> } | undefined> {
  const [model] = await db.select().from(models).where(eq(models.name, name));
  if (!model) return undefined;
  const versions = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.modelId, model.id))
    .orderBy(asc(modelVersions.id));
  const rows = await db.select().from(aliases).where(eq(aliases.modelId, model.id)).orderBy(asc(aliases.alias));
  return { versions, aliases: Object.fromEntries(rows.map((r) => [r.alias, r.versionId])) };
}

export async function listModels(db: Db): Promise<ModelRow[]> {
  return db.select().from(models).orderBy(asc(models.name));
}
