// When a `helm` binary is on PATH: `helm lint --strict` and `helm template` for every example values file, the output
// validated as Kubernetes objects, and compared with this repository's renderer (tools/helm-render.ts) so that the
// checks that run without helm are known to see what helm renders. Skipped, with a message, when there is no helm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadChart, renderChart, splitManifests } from './tools/helm-render.ts';
import { validateManifests } from './tools/k8s-validate.ts';
import type { K8sObject } from './tools/k8s-validate.ts';

const here = import.meta.dirname;
const chartDir = join(here, 'neon');
const helmVersion = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
const helm = helmVersion.status === 0;
const skip = helm ? false : 'no helm binary on PATH; the chart is checked by chart.test.ts without it';
if (!helm) console.log(`# helm.test.ts skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'neon-helm-'));
const credsFile = join(work, 'creds.yaml');
writeFileSync(
  credsFile,
  stringify({ auth: { apiTokens: ['test-token-0123456789'] }, database: { url: 'postgres://neon:pw@db:5432/neon' } }),
);
const cases: { name: string; files: string[] }[] = [
  { name: 'defaults', files: [credsFile] },
  ...readdirSync(join(here, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f, files: [join(here, 'examples', f)] })),
];

function helmRun(args: string[]): string {
  const r = spawnSync('helm', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `helm ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function withoutChecksums(o: K8sObject): K8sObject {
  const c = structuredClone(o);
  const ann = (c.spec?.template ?? c.spec?.jobTemplate?.spec?.template)?.metadata?.annotations;
  if (ann) for (const k of Object.keys(ann)) if (k.startsWith('checksum/')) delete ann[k];
  return c;
}
const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

test('helm lint --strict passes for the defaults and every example', { skip }, () => {
  for (const c of cases) helmRun(['lint', '--strict', chartDir, ...c.files.flatMap((f) => ['-f', f])]);
});

test('helm template output is valid and equals the repository renderer', { skip }, () => {
  const chart = loadChart(chartDir);
  for (const c of cases) {
    const out = helmRun(['template', 'neon', chartDir, '--namespace', 'default', ...c.files.flatMap((f) => ['-f', f])]);
    const fromHelm = splitManifests(c.name, out).map((m) => m.doc as K8sObject);
    const values = c.files.map((f) => parse(readFileSync(f, 'utf8')) as Record<string, unknown>);
    const secrets = values.map((v: any) => v.auth?.existingSecret).filter(Boolean);
    assert.deepEqual(validateManifests(fromHelm, { external: { secrets } }), [], c.name);
    const ours = renderChart(chart, values).manifests.map((m) => m.doc as K8sObject);
    const sort = (l: K8sObject[]) => l.map(withoutChecksums).sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(sort(ours), sort(fromHelm), c.name);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
