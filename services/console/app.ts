// The web console: a small single-page app (hand-written HTML/CSS/JS under static/, no build step, no CDN) and the
// JSON and SVG routes it needs beyond the services' own APIs.
//   GET /                                   the page (#/models, #/generate, #/runs, #/runs/<id>)
//   GET /console/<file>                     its script and style sheet
//   GET /v1/console/models                  the registry: models, their versions with lineage and class names,
//                                           their aliases, and the runs made from each version
//   GET /v1/console/runs/{id}/curves.svg    FID(select) against w, one line per (snapshot, guidance scale),
//                                           the chosen point circled (shared/plot/line-plot-svg.ts)
// The page calls POST /v1/images/generations and /v1/neon/runs with the token from its token field.
import type { Manifest } from '../../shared/models/manifest.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { asc, desc, eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { runs, trials, type ModelVersionRow } from '../../shared/db/schema.ts';
import { classNamesOf } from '../../shared/models/class-names.ts';
import { ApiError, onApiError } from '../../shared/http/errors.ts';
import { listModels, listModelVersions } from '../../shared/registry/registry.ts';
import { linePlotSvg, type Series } from '../../shared/plot/line-plot-svg.ts';
import { factsOf, getRun } from '../orchestrator/run-records.ts';

export interface ConsoleDeps {
  database: Database;
}

const STATIC_DIR = join(import.meta.dirname, 'static');
const FILES: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
};

interface TrialPoint {
  snapshot: number | null;
  w: number;
  cfg: number;
  fid: number;
}

/** One FID-versus-w line per (snapshot, guidance scale); θneon(0) = θr, so each line starts at the base's point. */
export function curveSeries(
  points: TrialPoint[],
  best?: { snapshot: number | null; w: number; cfg: number },
): Series[] {
  const base = new Map(points.filter((p) => p.snapshot === null).map((p) => [p.cfg, p.fid]));
  const lines = new Map<string, { snapshot: number | null; cfg: number; pts: [number, number][] }>();
  for (const p of points) {
    if (p.snapshot === null) continue;
    const key = `${p.snapshot}:${p.cfg}`;
    let line = lines.get(key);
    if (!line) {
      line = { snapshot: p.snapshot, cfg: p.cfg, pts: [] };
      const b = base.get(p.cfg);
      if (b !== undefined) line.pts.push([0, b]);
      lines.set(key, line);
    }
    line.pts.push([p.w, p.fid]);
  }
  let marked = false; // the chosen point once (a base winner, w = 0, lies on every line of its cfg)
  const out: Series[] = [...lines.values()]
    .sort((a, b) => (a.snapshot ?? 0) - (b.snapshot ?? 0) || a.cfg - b.cfg)
    .map((l) => {
      const pts = l.pts.sort((a, b) => a[0] - b[0]);
      const s: Series = { label: `step ${l.snapshot}, cfg ${l.cfg}`, points: pts };
      if (
        !marked &&
        best &&
        best.cfg === l.cfg &&
        (best.snapshot === l.snapshot || (best.snapshot === null && best.w === 0))
      ) {
        const hit = pts.find(([w]) => w === best.w);
        if (hit) [s.marker, marked] = [hit, true];
      }
      return s;
    });
  // a run with no snapshot lines yet: the base's best point alone
  if (out.length === 0 && base.size > 0) out.push({ label: 'base (w = 0)', points: [[0, Math.min(...base.values())]] });
  return out;
}

function versionJson(v: ModelVersionRow, tagOf: Map<number, string>) {
  // rows written by older versions may lack fields: read it as partial
  const m: Partial<Manifest> = v.manifest;
  return {
    id: v.id,
    tag: v.tag,
    content_hash: v.contentHash,
    family: m.family ?? null,
    data_shape: m.data?.shape ?? null,
    num_classes: m.conditioning?.num_classes ?? 0,
    class_names: m.conditioning ? classNamesOf({ conditioning: m.conditioning, training: m.training }) : null,
    lineage:
      v.baseVersionId === null
        ? null
        : {
            base_version_id: v.baseVersionId,
            base_tag: tagOf.get(v.baseVersionId) ?? null,
            snapshot: v.snapshot,
            w: v.w,
            run_id: v.runId,
          },
    created_at: v.createdAt.toISOString(),
  };
}

export function createConsoleApp(deps: ConsoleDeps): Hono {
  const db = deps.database.db;
  const page = readFileSync(join(STATIC_DIR, 'index.html'), 'utf8');
  const files = new Map(Object.keys(FILES).map((f) => [f, readFileSync(join(STATIC_DIR, f), 'utf8')]));
  const app = new Hono();
  app.onError(onApiError);

  app.get('/', (c) => c.html(page));
  app.get('/console/:file', (c) => {
    const f = c.req.param('file');
    const body = files.get(f);
    if (body === undefined) throw new ApiError(404, `no console file '${f}'`, 'file', 'not_found');
    return c.body(body, 200, { 'content-type': FILES[f], 'cache-control': 'no-cache' });
  });

  app.get('/v1/console/models', async (c) => {
    const data = [];
    const runRows = (
      await db
        .select({ id: runs.id, model: runs.model, baseVersionId: runs.baseVersionId, state: runs.state })
        .from(runs)
        .orderBy(desc(runs.createdAt))
        .limit(1000)
    ).reverse();
    for (const m of await listModels(db)) {
      const listed = await listModelVersions(db, m.name);
      if (!listed) continue;
      const tagOf = new Map(listed.versions.map((v) => [v.id, v.tag]));
      data.push({
        name: m.name,
        aliases: Object.fromEntries(Object.entries(listed.aliases).map(([a, id]) => [a, tagOf.get(id) ?? String(id)])),
        versions: listed.versions.map((v) => versionJson(v, tagOf)),
        runs: runRows
          .filter((r) => r.model === m.name)
          .map((r) => ({ id: r.id, base_version_id: r.baseVersionId, state: r.state })),
      });
    }
    return c.json({ object: 'list', data });
  });

  app.get('/v1/console/runs/:id/curves.svg', async (c) => {
    const run = await getRun(db, c.req.param('id'));
    if (!run) throw new ApiError(404, `no run '${c.req.param('id')}'`, 'id', 'not_found');
    const rows = await db.select().from(trials).where(eq(trials.runId, run.id)).orderBy(asc(trials.id));
    // FIDs compare only at equal sample counts: the curves are the walk at the lowest count (multi-fidelity's rung 0)
    const select = rows.filter((t) => t.phase === 'select' && t.fidSelect !== null && t.cfg !== null);
    const countOf = (t: (typeof rows)[number]) => Number((t.result as { n?: number } | null)?.n ?? 0);
    const n = Math.min(...select.map(countOf));
    const points: TrialPoint[] = select
      .filter((t) => countOf(t) === n)
      .map((t) => ({ snapshot: t.snapshot, w: t.w ?? 0, cfg: t.cfg!, fid: t.fidSelect! }));
    const best = factsOf(run).summary?.best;
    const yLabel = select.length > 0 && n > 0 ? `FID (${n} selection seeds)` : 'FID (selection seeds)';
    const svg = linePlotSvg(curveSeries(points, best), {
      title: `run ${run.id}: FID against w`,
      xLabel: 'w',
      yLabel,
      width: 720,
      height: 400,
    });
    return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-cache' });
  });

  return app;
}
