// Renders a Helm chart the way `helm template` does, for the template subset in go-template.ts: values.yaml coalesced
// with override files (maps merge, other values replace, null deletes), every non-partial file under templates/
// rendered with .Values/.Chart/.Release/.Template/.Capabilities, split into YAML documents.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { TemplateSet, isMap } from './go-template.ts';

export interface Chart {
  dir: string;
  meta: Record<string, unknown>;
  values: Record<string, unknown>;
  files: Map<string, string>;
}

export interface Manifest {
  source: string;
  doc: Record<string, any>;
}

export interface Rendered {
  manifests: Manifest[];
  notes: string;
}

export interface ReleaseOptions {
  name?: string;
  namespace?: string;
  isUpgrade?: boolean;
}

export function loadChart(dir: string): Chart {
  const meta = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = (parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const files = new Map<string, string>();
  const tdir = join(dir, 'templates');
  for (const f of readdirSync(tdir).sort()) files.set(f, readFileSync(join(tdir, f), 'utf8'));
  return { dir, meta, values, files };
}

/** Helm's coalescing of user values over the chart's defaults. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeValues(out[k] as Record<string, unknown>, v);
    else out[k] = structuredClone(v);
  }
  return out;
}

export function renderChart(
  chart: Chart,
  overrides: Record<string, unknown>[] = [],
  release: ReleaseOptions = {},
): Rendered {
  const values = overrides.reduce((acc, o) => mergeValues(acc, o), chart.values);
  const name = String(chart.meta.name);
  const set = new TemplateSet();
  for (const [f, src] of chart.files) set.add(`${name}/templates/${f}`, src);
  const top = {
    Values: values,
    Chart: {
      Name: chart.meta.name,
      Version: chart.meta.version,
      AppVersion: chart.meta.appVersion ?? '',
      Description: chart.meta.description ?? '',
      Type: chart.meta.type ?? 'application',
      KubeVersion: chart.meta.kubeVersion ?? '',
    },
    Release: {
      Name: release.name ?? 'neon',
      Namespace: release.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: !release.isUpgrade,
      IsUpgrade: Boolean(release.isUpgrade),
      Revision: release.isUpgrade ? 2n : 1n,
    },
    Capabilities: { KubeVersion: { Version: 'v1.30.0', Major: '1', Minor: '30' } },
  };
  const manifests: Manifest[] = [];
  let notes = '';
  for (const f of chart.files.keys()) {
    if (basename(f).startsWith('_')) continue;
    const tname = `${name}/templates/${f}`;
    const text = set.execute(tname, { ...top, Template: { Name: tname, BasePath: `${name}/templates` } });
    if (f === 'NOTES.txt') {
      notes = text;
      continue;
    }
    manifests.push(...splitManifests(tname, text));
  }
  return { manifests, notes };
}

/** Splits rendered text into YAML documents; empty ones are dropped, as Helm does. */
export function splitManifests(source: string, text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length > 0) throw new Error(`${source}: invalid YAML: ${d.errors[0].message}\n${text}`);
    const doc = d.toJS({ maxAliasCount: 0 });
    if (doc === null || doc === undefined) continue;
    if (!isMap(doc)) throw new Error(`${source}: a document is not a mapping`);
    out.push({ source, doc });
  }
  return out;
}
