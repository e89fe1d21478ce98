// The tables in the docs that restate code, rendered from the code: each sits in its doc between
// `<!-- generated: NAME (npm run docs:tables) -->` and `<!-- end generated -->`. `npm run docs:tables` rewrites them;
// scripts/docs-tables.test.ts fails when a doc's table is not what the code renders (a preset or a default changed
// without its table).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { preset, PRESETS, runConfigSchema } from '../shared/neon/run-config.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface JsonSchema {
  type?: string;
  default?: Json;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

function num(x: number): string {
  return Number.isInteger(x) && Math.abs(x) >= 1000 ? x.toLocaleString('en-US') : String(x);
}

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v)) return v.map(show).join(', ');
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('first' in o && 'count' in o) return `${num(Number(o.first))} + ${num(Number(o.count))}`;
    const entries = Object.entries(o);
    return entries.length === 0 ? "the model's" : entries.map(([k, x]) => `${k} ${show(x)}`).join(', ');
  }
  return `\`${JSON.stringify(v)}\``;
}

/** The run config's fields (leaves, and objects that presets give whole), with their schema and required-ness. */
function fields(
  schema: JsonSchema,
  prefix = '',
  required = true,
): { path: string; schema: JsonSchema; required: boolean }[] {
  const out: { path: string; schema: JsonSchema; required: boolean }[] = [];
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    const req = required && (schema.required ?? []).includes(k);
    const isRange = s.properties && 'first' in s.properties && 'count' in s.properties;
    if (s.type === 'object' && s.properties && !isRange && s.default === undefined) out.push(...fields(s, path, req));
    else out.push({ path, schema: s, required: req });
  }
  return out;
}

function at(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

/** Optional fields whose default is not a value but a rule (the code that applies it is named). */
const DEFAULT_RULES: Record<string, string> = {
  'synthesis.seeds': '0 + n (`synthesisSeeds`)',
  'sweep.snapshots': 'every snapshot (`sweepGrid`)',
  'sweep.cfg_grid': "the model's guidance scale (`sweepGrid`)",
};

/** docs/PIPELINE.md: every run-config field, its default, and each preset's value (— : the default). */
export function presetsTable(): string {
  const schema = z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows = fields(schema).map(({ path, schema: s, required }) => {
    const def = s.default !== undefined ? show(s.default) : required ? 'required' : (DEFAULT_RULES[path] ?? '—');
    return `| \`${path}\` | ${def} | ${PRESETS.map((p) => show(at(preset(p), path))).join(' | ')} |`;
  });
  return [
    `| field | default | ${PRESETS.map((p) => `\`${p}\``).join(' | ')} |`,
    `| --- | --- | ${PRESETS.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

/** docs/API.md: every route of `neon serve --service all`, from its OpenAPI document (a server on a scratch NEON_HOME). */
export async function routesTable(): Promise<string> {
  const { mkdtemp, mkdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { createServer } = await import('../services/server.ts');
  const { serveConfigFromEnv } = await import('../services/serve-config.ts');
  const { routesTable: render } = await import('../services/openapi-document.ts');
  const dir = await mkdtemp(join(tmpdir(), 'neon-docs-'));
  await mkdir(join(dir, 'models'));
  const env = {
    NEON_HOME: join(dir, 'home'),
    NEON_MODELS_DIR: join(dir, 'models'),
    NEON_ORCHESTRATOR_WORKERS: '0',
    NEON_SAMPLER_JOBS: '0',
  };
  const server = await createServer(serveConfigFromEnv('all', env), { log: () => {} });
  try {
    return render(await (await server.app.request('/openapi.json')).json());
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface GeneratedTable {
  file: string;
  name: string;
  render: () => string | Promise<string>;
  /** Checked by the test that builds the server anyway (services/openapi-document.test.ts), not here. */
  checkedElsewhere?: boolean;
}

export const GENERATED: readonly GeneratedTable[] = [
  { file: 'docs/PIPELINE.md', name: 'presets', render: presetsTable },
  { file: 'docs/API.md', name: 'routes', render: routesTable, checkedElsewhere: true },
];

const begin = (name: string) => `<!-- generated: ${name} (npm run docs:tables) -->`;
const END = '<!-- end generated -->';

/** The text between a table's markers (undefined when the markers are missing). */
export function generatedPart(text: string, name: string): string | undefined {
  const i = text.indexOf(begin(name));
  const j = i < 0 ? -1 : text.indexOf(END, i);
  return i < 0 || j < 0 ? undefined : text.slice(i + begin(name).length, j).trim();
}

function replacePart(text: string, name: string, body: string): string {
  const i = text.indexOf(begin(name));
  const j = text.indexOf(END, i);
  if (i < 0 || j < 0) throw new Error(`no markers for the generated table '${name}'`);
  return `${text.slice(0, i + begin(name).length)}\n${body}\n${text.slice(j)}`;
}

async function main(): Promise<void> {
  for (const t of GENERATED) {
    const path = join(REPO_ROOT, t.file);
    const text = await readFile(path, 'utf8');
    const next = replacePart(text, t.name, await t.render());
    if (next !== text) await writeFile(path, next);
    console.log(`${t.file}: ${t.name} ${next === text ? 'up to date' : 'rewritten'}`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) await main();
