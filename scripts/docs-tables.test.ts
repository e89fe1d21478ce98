// The docs agree with the code: generated tables are what the code renders now (a preset or default changed without
// its table fails here), the run-config table names every field, every `neon <command> --flag` the docs show is a
// flag of that command, the serve environment table lists every variable with its default, and the sampler bench
// table's settings are the shipped models' defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GENERATED, generatedPart, presetsTable } from './docs-tables.ts';
import { REPO_ROOT } from '../shared/features/registry.ts';
import { preset, runConfigSchema } from '../shared/neon/run-config.ts';
import { main } from '../cli/neon.ts';
import { EnvSchema } from '../services/serve-config.ts';

const read = (f: string) => readFileSync(join(REPO_ROOT, f), 'utf8');
const DOCS = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('generated tables are what the code renders now', async () => {
  for (const t of GENERATED.filter((g) => !g.checkedElsewhere)) {
    const part = generatedPart(read(t.file), t.name);
    assert.ok(part !== undefined, `${t.file} has no markers for '${t.name}'`);
    assert.equal(part, await t.render(), `${t.file}: the '${t.name}' table is stale; run npm run docs:tables`);
  }
});

test('the presets table follows a preset change', () => {
  const table = presetsTable();
  assert.match(
    table,
    new RegExp(
      `\\| \`selftrain.steps\` \\| required \\| ${preset('smoke').selftrain.steps} \\| ${preset('default').selftrain.steps} \\| ${preset('paper').selftrain.steps.toLocaleString('en-US')} \\|`,
    ),
  );
  assert.match(table, /\| `sweep.tolerance` \| 0.03 \|/);
});

test('the run-config table of docs/PIPELINE.md names every field of the schema', () => {
  const doc = read('docs/PIPELINE.md');
  const section = doc.slice(doc.indexOf('## Run config'), doc.indexOf('## The selection procedure'));
  const schema = z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
  };
  for (const [k, s] of Object.entries(schema.properties)) {
    const names =
      s.properties && !('first' in s.properties)
        ? Object.keys(s.properties).map((c) => [`${k}.${c}`, `.${c}`])
        : [[k, k]];
    for (const [full, short] of names)
      assert.ok(
        section.includes(`\`${full}`) || section.includes(short),
        `PIPELINE.md's run config does not name ${full}`,
      );
  }
});

async function helpOf(command: string): Promise<string> {
  const log = console.log;
  let out = '';
  console.log = (...a: unknown[]) => (out += a.join(' ') + '\n');
  try {
    assert.equal(await main([command, '--help']), 0, command);
  } finally {
    console.log = log;
  }
  return out;
}

test('every `neon <command> --flag` in the README and docs/ is a flag of that command', async () => {
  const commands = new Map<string, Set<string>>();
  const uses: { file: string; command: string; flag: string }[] = [];
  for (const file of DOCS) {
    for (const line of read(file).split('\n')) {
      for (const m of line.matchAll(/\bneon (?:-- )?([a-z][a-z-]*)((?:[^`|]|\\\|)*)/g)) {
        const command = m[1];
        for (const f of m[2].split(/\bneon /)[0].matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g))
          uses.push({ file, command, flag: f[1] });
      }
    }
  }
  const known = [
    'check-model',
    'db',
    'export',
    'fid',
    'import',
    'merge',
    'models',
    'promote',
    'run',
    'sample',
    'serve',
    'stats',
    'toy',
  ];
  const bad: string[] = [];
  for (const u of uses) {
    if (!known.includes(u.command)) continue;
    if (!commands.has(u.command))
      commands.set(
        u.command,
        new Set([...(await helpOf(u.command)).matchAll(/--([a-z][a-z0-9-]*)/g)].map((x) => x[1])),
      );
    if (u.flag !== 'help' && !commands.get(u.command)!.has(u.flag))
      bad.push(`${u.file}: neon ${u.command} --${u.flag}`);
  }
  assert.ok(uses.length > 30, `${uses.length} flags found`);
  assert.deepEqual(bad, []);
});

test('the serve environment table of docs/API.md lists every variable with its default', () => {
  // the rows of the table headed `| variable | default | meaning |` (other tables name variables too)
  const lines = read('docs/API.md').split('\n');
  const start = lines.findIndex((l) => l.startsWith('| variable | default |'));
  assert.ok(start >= 0, "docs/API.md has no '| variable | default |' table");
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  const rows = lines.slice(start + 2, end < 0 ? undefined : end).filter((l) => l.startsWith('| `'));
  const defaults = z.toJSONSchema(EnvSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { default?: unknown }>;
  };
  for (const [name, s] of Object.entries(defaults.properties)) {
    const match = rows
      .map((r) => {
        const cells = r.split('|').map((c) => c.trim());
        const names = [...cells[1].matchAll(/`([A-Z_]+)`/g)].map((x) => x[1]);
        const full = names.map((n) => (n.startsWith('_') ? names[0].replace(/_MAX_[A-Z]+$/, '') + n : n));
        const i = full.indexOf(name);
        return i < 0 ? undefined : (cells[2].split(' / ')[i] ?? cells[2]);
      })
      .find((d) => d !== undefined);
    assert.ok(match !== undefined, `docs/API.md's environment table lacks ${name}`);
    if (s.default !== undefined)
      assert.equal(match, String(s.default), `${name}: docs say ${match}, the code ${String(s.default)}`);
  }
});

test('the sampler bench table of docs/API.md shows the shipped models’ default settings', () => {
  const rows = read('docs/API.md')
    .split('\n')
    .filter((l) => /^\| fmnist-[a-z]+ \(/.test(l));
  assert.equal(rows.length, 3);
  for (const row of rows) {
    const name = /^\| (fmnist-[a-z]+) /.exec(row)![1];
    const sampler = JSON.parse(read(`models/${name}/model.json`)).sampler as {
      kind: string;
      steps?: number;
      guidance_scale: number;
    };
    const settings = /\(([^)]*)\)/.exec(row)![1];
    assert.match(settings, new RegExp(`cfg ${sampler.guidance_scale}\\b`), `${name}: ${settings}`);
    if (sampler.steps !== undefined)
      assert.match(settings, new RegExp(`${sampler.kind}, ${sampler.steps} steps`), `${name}: ${settings}`);
  }
});
