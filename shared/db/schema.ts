// The database schema (drizzle-orm): registry (models, versions, aliases, artifacts), Neon runs and trials,
// the job queue and the append-only event log. The SQL that creates it lives in ./migrations; schema.test.ts
// checks that the two agree column by column.
import type { Manifest } from '../models/manifest.ts';
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Stored artifacts, mirrored from the artifact store's manifests (id = sha256 of the content). */
export const artifacts = pgTable('artifacts', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
});

/** A named model (e.g. `fmnist-flow`); its weights live in versions. */
export const models = pgTable('models', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

/** One version of a model: an ONNX artifact, its manifest and its lineage (base, self-train snapshot, w). */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    modelId: bigint('model_id', { mode: 'number' })
      .notNull()
      .references(() => models.id),
    /** The version tag: `base`, `neon-<run>`, ... (`<model>@<tag>`). */
    tag: text('tag').notNull(),
    /** Identity of the weights + manifest; registering the same content again returns the existing version. */
    contentHash: text('content_hash').notNull(),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id),
    manifest: jsonb('manifest').$type<Manifest>().notNull(),
    /** Lineage: the version this one was made from (θr), the self-train snapshot (θs) and the merge weight w. */
    baseVersionId: bigint('base_version_id', { mode: 'number' }).references((): AnyPgColumn => modelVersions.id),
    snapshot: integer('snapshot'),
    w: doublePrecision('w'),
    runId: text('run_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('model_versions_model_tag_key').on(t.modelId, t.tag),
    uniqueIndex('model_versions_model_content_key').on(t.modelId, t.contentHash),
  ],
);

/** A named pointer to a version, e.g. alias `neon` of `fmnist-flow` (`fmnist-flow@neon`), or `default` for the bare name. */
export const aliases = pgTable(
  'aliases',
  {
    modelId: bigint('model_id', { mode: 'number' })
      .notNull()
      .references(() => models.id),
    alias: text('alias').notNull(),
    versionId: bigint('version_id', { mode: 'number' })
      .notNull()
      .references(() => modelVersions.id),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('aliases_model_alias_key').on(t.modelId, t.alias)],
);

/** A Neon run: base model, preset, resolved config, and where the orchestrator got to. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    baseVersionId: bigint('base_version_id', { mode: 'number' }).references(() => modelVersions.id),
    preset: text('preset').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    state: text('state').notNull().default('pending'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    /** The last event id the orchestrator has applied to this run (resume point). */
    eventCursor: bigint('event_cursor', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('runs_state_idx').on(t.state)],
);

/** One sweep point of a run (snapshot × w × cfg), unique per (run, key) so a trial is never done twice. */
export const trials = pgTable(
  'trials',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    /** 'select' (held-out selection seeds) or 'report' (disjoint report seeds). */
    phase: text('phase').notNull().default('select'),
    snapshot: integer('snapshot'),
    w: doublePrecision('w'),
    cfg: doublePrecision('cfg'),
    state: text('state').notNull().default('pending'),
    fidSelect: doublePrecision('fid_select'),
    fidReport: doublePrecision('fid_report'),
    jobId: bigint('job_id', { mode: 'number' }),
    result: jsonb('result').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('trials_run_key_key').on(t.runId, t.key)],
);

/** Job states; `succeeded`, `failed` and `cancelled` are final. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The job queue: claimed with FOR UPDATE SKIP LOCKED, leased, retried with exponential backoff. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    /** Idempotency key: enqueueing the same key again returns the existing job. */
    key: text('key').unique(),
    /** Subject of the events this job appends (default `job:<id>`), e.g. `run:<id>` so a run's log holds its jobs. */
    subject: text('subject'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state').$type<JobState>().notNull().default('queued'),
    priority: integer('priority').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    backoffMs: integer('backoff_ms').notNull().default(1000),
    maxBackoffMs: integer('max_backoff_ms').notNull().default(300000),
    /** Not claimable before this time (backoff after a failed attempt). */
    runAt: timestamp('run_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    leaseToken: text('lease_token'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true, mode: 'date' }),
    progress: jsonb('progress').$type<Record<string, unknown>>(),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('jobs_claim_idx').on(t.type, t.state, t.runAt),
    index('jobs_lease_idx').on(t.leaseExpiresAt).where(sql`state = 'running'`),
  ],
);

/** The append-only event log: ids are handed out and committed in order (see shared/events/event-log.ts). */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    subject: text('subject').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('events_subject_id_idx').on(t.subject, t.id), index('events_type_id_idx').on(t.type, t.id)],
);

export const schema = { artifacts, models, modelVersions, aliases, runs, trials, jobs, events };
export type Schema = typeof schema;

export type ArtifactRow = typeof artifacts.$inferSelect;
export type ModelRow = typeof models.$inferSelect;
export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type AliasRow = typeof aliases.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type TrialRow = typeof trials.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type EventRow = typeof events.$inferSelect;
