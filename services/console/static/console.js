// The Neon console: hash routes over the services' JSON APIs. Mutating calls carry the token field's value as
// `Authorization: Bearer`; reads and the run's server-sent events are open (the auth middleware guards mutations only).
//   #/            models (versions, lineage, class names) and the generator      #/versions/<id>  the same, one row lit
//   #/runs        start a run; the runs list (refreshes itself)                   #/runs/<id>      one run, live
import { className, duration, eventText, fmt, jobLabel, progressText, remainingSeconds, stepOfKey } from './format.js';

const PHASES = ['pending', 'synthesizing', 'self-training', 'sweeping', 'reporting', 'promoting', 'succeeded'];
const FINAL = ['neon.run.succeeded', 'neon.run.failed'];
const EVENT_TYPES = [
  'neon.run.created',
  'neon.run.phase',
  'neon.trial.done',
  'neon.note',
  ...FINAL,
  'job.queued',
  'job.started',
  'job.progress',
  'job.succeeded',
  'job.failed',
  'job.retrying',
];
const RUNS_REFRESH_MS = 3000;
const $ = (sel) => document.querySelector(sel);
let models = [];
let source = null;
const timers = new Set(); // intervals of the current view, cleared on every route change

const tokenInput = $('#token');
tokenInput.value = localStorage.getItem('neon.token') || '';
for (const t of ['input', 'change'])
  tokenInput.addEventListener(t, () => localStorage.setItem('neon.token', tokenInput.value.trim()));

function showError(message) {
  const p = $('#error');
  p.textContent = message;
  p.hidden = !message;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = tokenInput.value.trim();
  if (method !== 'GET' && token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || `${method} ${path}: HTTP ${res.status}`);
  return json;
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** A table body's one-row message: "Loading…" before the data, "No … yet" when there is none. */
function messageRow(body, text, className = 'loading') {
  const cols = body.closest('table').querySelectorAll('thead th').length || 1;
  body.replaceChildren(el('tr', { className }, el('td', { colSpan: cols }, text)));
}

const isImageModel = (m) => m && m.versions.some((v) => Array.isArray(v.data_shape) && v.data_shape.length === 3);
const versionLink = (id, text) => el('a', { href: `#/versions/${id}`, className: 'version-link' }, text);
const runLink = (id) => el('a', { href: `#/runs/${encodeURIComponent(id)}`, className: 'run-link' }, id);
/** The registry's version of a model by tag or id. */
const findVersion = (model, by) =>
  (models.find((m) => m.name === model)?.versions ?? []).find((v) => v.tag === by || v.id === by);
const classNamesOfModel = (name) => {
  const [model, tag] = String(name).split('@');
  const m = models.find((x) => x.name === model);
  if (!m) return null;
  const v =
    (tag && (m.versions.find((x) => x.tag === tag) || m.versions.find((x) => x.tag === m.aliases[tag]))) ||
    m.versions[0];
  return v ? v.class_names : null;
};

function classesText(v) {
  if (!v.num_classes) return '';
  if (!v.class_names) return `, ${v.num_classes} classes`;
  const names = v.class_names;
  return `, ${names.length} classes: ${names.length <= 12 ? names.join(', ') : `${names.slice(0, 3).join(', ')} … ${names.at(-1)}`}`;
}

async function loadModels() {
  models = (await api('GET', '/v1/console/models')).data;
  const body = $('#models tbody');
  if (models.length === 0) messageRow(body, 'No models registered yet.', 'empty');
  else body.replaceChildren();
  for (const m of models) {
    for (const v of m.versions) {
      const aliases = Object.entries(m.aliases)
        .filter(([, tag]) => tag === v.tag)
        .map(([a]) => a)
        .join(', ');
      const lin = v.lineage
        ? el(
            'td',
            {},
            'θr = ',
            versionLink(v.lineage.base_version_id, `@${v.lineage.base_tag}`),
            `, snapshot ${fmt(v.lineage.snapshot)}, w = ${fmt(v.lineage.w)}`,
            ...(v.lineage.run_id ? [', run ', runLink(v.lineage.run_id)] : []),
          )
        : el('td', {}, 'base');
      const runs = (m.runs || []).filter((r) => r.base_version_id === v.id);
      const made = runs.length
        ? el('td', {}, ...runs.flatMap((r, i) => [i ? ', ' : '', runLink(r.id)]))
        : el('td', {}, '');
      const row = el(
        'tr',
        { className: 'version', id: `version-${v.id}` },
        el('td', {}, m.name),
        el('td', {}, `@${v.tag}`),
        el('td', {}, v.family || '—'),
        el(
          'td',
          { title: (v.class_names || []).map((n, i) => `${i}: ${n}`).join('\n') },
          `${(v.data_shape || []).join('×')}${classesText(v)}`,
        ),
        lin,
        made,
        el('td', {}, aliases),
      );
      row.dataset.versionId = String(v.id);
      body.append(row);
    }
  }
  const gen = $('#generate [name=model]');
  const keep = gen.value;
  gen.replaceChildren();
  for (const m of models.filter(isImageModel)) {
    gen.append(el('option', { value: m.name }, m.name));
    for (const v of m.versions) gen.append(el('option', { value: `${m.name}@${v.tag}` }, `${m.name}@${v.tag}`));
    for (const a of Object.keys(m.aliases).filter((a) => a !== 'default'))
      gen.append(el('option', { value: `${m.name}@${a}` }, `${m.name}@${a}`));
  }
  if (keep) gen.value = keep;
  fillClassOptions();
  const run = $('#start-run [name=model]');
  const keepRun = run.value;
  run.replaceChildren(...models.map((m) => el('option', { value: m.name }, m.name)));
  if (keepRun) run.value = keepRun;
}

/** The generator's class choices: the selected model's class names (or numbers). */
function fillClassOptions() {
  const select = $('#generate [name=class]');
  const keep = select.value;
  const name = $('#generate [name=model]').value;
  const [model] = name.split('@');
  const m = models.find((x) => x.name === model);
  const k = m ? Math.max(0, ...m.versions.map((v) => v.num_classes || 0)) : 0;
  const names = classNamesOfModel(name);
  select.replaceChildren(
    el('option', { value: '' }, 'seed mod K'),
    ...Array.from({ length: k }, (_, i) => el('option', { value: String(i) }, `${i}: ${className(names, i)}`)),
  );
  select.value = keep && Number(keep) < k ? keep : '';
}
$('#generate [name=model]').addEventListener('change', fillClassOptions);

/** Images of `model` on seeds seed..seed+n-1 into `grid`, captioned with seed and class name. */
async function generateInto(grid, body) {
  const res = await api('POST', '/v1/images/generations', { response_format: 'b64_json', ...body });
  const names = classNamesOfModel(body.model);
  grid.replaceChildren(
    ...res.data.map((d) => {
      const cls = className(names, d.class_label);
      return el(
        'figure',
        { className: 'sample' },
        el('img', {
          src: `data:image/png;base64,${d.b64_json}`,
          alt: `seed ${d.seed}`,
          title: `seed ${d.seed}${cls ? `, ${cls}` : ''}`,
        }),
        el('figcaption', {}, `${d.seed}${cls ? ` · ${cls}` : ''}`),
      );
    }),
  );
}

$('#generate').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const num = (k) => (f.get(k) === '' || f.get(k) === null ? undefined : Number(f.get(k)));
  const body = {
    model: f.get('model'),
    n: num('n') ?? 1,
    seed: num('seed'),
    class_labels: num('class'),
    guidance_scale: num('guidance'),
    num_inference_steps: num('steps'),
  };
  showError('');
  const grid = $('#samples');
  grid.replaceChildren(el('p', { className: 'loading' }, 'Generating…'));
  try {
    await generateInto(grid, body);
  } catch (err) {
    grid.replaceChildren();
    showError(err.message);
  }
});

$('#start-run').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { model: f.get('model'), preset: f.get('preset') };
  if (f.get('id')) body.id = f.get('id');
  showError('');
  const overrides = String(f.get('config') || '').trim();
  if (overrides) {
    try {
      body.config = JSON.parse(overrides);
    } catch (err) {
      return showError(`config: not JSON (${err.message})`);
    }
  }
  try {
    const run = await api('POST', '/v1/neon/runs', body);
    location.hash = `#/runs/${encodeURIComponent(run.id)}`;
  } catch (err) {
    showError(err.message);
  }
});

async function loadRuns() {
  const runs = (await api('GET', '/v1/neon/runs?limit=50')).data;
  // a run promoted since the registry was read: read it again, so the new version can be linked
  if (runs.some((r) => r.result && r.result.promoted && !findVersion(r.model, r.result.promoted.split('@')[1])))
    await loadModels();
  const body = $('#runs tbody');
  if (runs.length === 0) return messageRow(body, 'No runs yet: start one above.', 'empty');
  body.replaceChildren(
    ...runs.map((r) => {
      const base = findVersion(r.model, r.base_version_id);
      const promoted =
        r.result && r.result.promoted ? findVersion(r.model, r.result.promoted.split('@')[1]) : undefined;
      const fids = r.result ? `${fmt(r.result.base.fid_report)} → ${fmt(r.result.best.fid_report)}` : '';
      return el(
        'tr',
        { className: 'run' },
        el('td', {}, runLink(r.id)),
        el('td', {}, base ? versionLink(base.id, `${r.model}@${base.tag}`) : r.model),
        el('td', {}, r.preset),
        el('td', {}, el('span', { className: 'state' }, r.state)),
        el('td', {}, fids),
        el(
          'td',
          {},
          promoted
            ? versionLink(promoted.id, r.result.promoted)
            : r.result && r.result.promoted
              ? r.result.promoted
              : '',
        ),
        el('td', {}, new Date(r.created_at).toLocaleString()),
      );
    }),
  );
  for (const s of body.querySelectorAll('.state')) s.dataset.state = s.textContent;
  $('#runs-updated').textContent = `updated ${new Date().toLocaleTimeString()}, every ${RUNS_REFRESH_MS / 1000} s`;
}

function setState(state) {
  const s = $('#run-state');
  s.textContent = state;
  s.dataset.state = state;
  const at = PHASES.indexOf(state);
  $('#phases').replaceChildren(
    ...PHASES.map((p, i) =>
      el('li', { className: state === 'failed' ? '' : i < at ? 'done' : i === at ? 'current' : '' }, p),
    ),
  );
}

let curvesTimer = null;
function refreshCurves(id) {
  clearTimeout(curvesTimer);
  curvesTimer = setTimeout(async () => {
    const res = await fetch(`/v1/console/runs/${encodeURIComponent(id)}/curves.svg`);
    if (res.ok) $('#curves').innerHTML = await res.text(); // our own server-rendered SVG (labels escaped there)
  }, 200);
}

async function showResult(run) {
  const s = run.result;
  if (!s) return;
  $('#result').hidden = false;
  // precision and recall beside FID when the run measured them
  const pr = [s.base, s.best].some((p) => typeof p.precision === 'number' || typeof p.recall === 'number');
  const heads = ['', 'snapshot', 'w', 'cfg', 'FID (select)', 'FID (report)', ...(pr ? ['precision', 'recall'] : [])];
  $('#chosen thead').replaceChildren(el('tr', {}, ...heads.map((h) => el('th', {}, h))));
  const row = (name, p) =>
    el(
      'tr',
      {},
      el('th', {}, name),
      el('td', {}, fmt(p.snapshot)),
      el('td', {}, fmt(p.w)),
      el('td', {}, fmt(p.cfg)),
      el('td', {}, fmt(p.fid_select)),
      el('td', {}, fmt(p.fid_report)),
      ...(pr ? [el('td', {}, fmt(p.precision)), el('td', {}, fmt(p.recall))] : []),
    );
  $('#chosen tbody').replaceChildren(row('base θr', { snapshot: null, w: 0, ...s.base }), row('Neon (chosen)', s.best));
  await loadModels().catch(() => {});
  const promotedVersion = s.promoted ? findVersion(run.model, s.promoted.split('@')[1]) : undefined;
  $('#promoted').replaceChildren(
    ...(s.promoted
      ? [
          'Promoted as ',
          promotedVersion ? versionLink(promotedVersion.id, s.promoted) : s.promoted,
          ` (and ${run.model}@neon).`,
        ]
      : ['Not promoted.']),
  );
  const m = models.find((x) => x.name === run.model);
  $('#compare').hidden = false;
  $('#compare .pair').hidden = !(s.promoted && isImageModel(m));
  if (!s.promoted) return void ($('#compare-note').textContent = 'No promoted version to compare.');
  if (!isImageModel(m))
    return void ($('#compare-note').textContent =
      `${run.model} does not make images: no sample grids (its FID is over points).`);
  const baseTag = (findVersion(run.model, run.base_version_id) || { tag: 'base' }).tag;
  const seeds = { seed: 0, n: 8 };
  $('#compare-note').textContent =
    `Seeds ${seeds.seed}–${seeds.seed + seeds.n - 1}, each at its chosen guidance scale.`;
  $('#base-caption').textContent = `${run.model}@${baseTag}, cfg ${fmt(s.base.cfg)}`;
  $('#neon-caption').textContent = `${s.promoted}, cfg ${fmt(s.best.cfg)}`;
  try {
    await generateInto($('#grid-base'), { model: `${run.model}@${baseTag}`, guidance_scale: s.base.cfg, ...seeds });
    await generateInto($('#grid-neon'), { model: s.promoted, guidance_scale: s.best.cfg, ...seeds });
  } catch (err) {
    $('#compare-note').textContent = err.message;
  }
}

/** The run's jobs as progress rows, keyed by job key; times are the events' (server) timestamps. */
function jobTracker(runId) {
  const jobs = new Map();
  const body = $('#jobs tbody');
  messageRow(body, 'Waiting for the first job…');
  function rowOf(p) {
    let j = jobs.get(p.key);
    if (j) return j;
    if (jobs.size === 0) body.replaceChildren();
    const bar = el('progress', { max: 1 });
    bar.setAttribute('value', '0');
    const cells = {
      label: el('td', {}, jobLabel(stepOfKey(runId, p.key))),
      bar: el('td', {}, bar),
      text: el('td', { className: 'detail' }),
      elapsed: el('td', {}),
      remaining: el('td', {}),
      state: el('td', {}, 'queued'),
    };
    const tr = el('tr', { className: 'job' }, ...Object.values(cells));
    tr.dataset.key = p.key;
    tr.dataset.type = p.job_type;
    body.append(tr);
    j = { tr, bar, cells, type: p.job_type, started: null, ended: null, done: 0, total: 0 };
    jobs.set(p.key, j);
    return j;
  }
  function paint(j, now) {
    const end = j.ended ?? now;
    const elapsed = j.started === null ? null : Math.max(0, (end - j.started) / 1000);
    j.cells.elapsed.textContent = elapsed === null ? '' : duration(elapsed);
    const left = j.ended === null && elapsed !== null ? remainingSeconds(elapsed, j.done, j.total) : null;
    j.cells.remaining.textContent = left === null ? '' : `~${duration(left)}`;
  }
  return {
    onEvent(e) {
      const p = e.payload || {};
      if (!e.type.startsWith('job.') || !p.key) return;
      const j = rowOf(p);
      const at = Date.parse(e.created_at);
      if (e.type === 'job.started') [j.started, j.ended] = [at, null];
      if (e.type === 'job.progress' && p.progress && typeof p.progress.done === 'number') {
        j.done = p.progress.done;
        j.total = typeof p.progress.total === 'number' ? p.progress.total : j.total;
        j.bar.max = Math.max(1, j.total);
        j.bar.setAttribute('value', String(j.done));
        j.cells.text.textContent = progressText(j.type, p.progress);
      }
      if (e.type === 'job.succeeded') {
        j.ended = at;
        j.bar.max = Math.max(1, j.total);
        j.bar.setAttribute('value', String(Math.max(1, j.total)));
      }
      if (e.type === 'job.failed') j.ended = at;
      j.cells.state.textContent = {
        'job.queued': 'queued',
        'job.started': 'running',
        'job.progress': 'running',
        'job.succeeded': 'done',
        'job.failed': 'failed',
        'job.retrying': 'retrying',
      }[e.type];
      j.tr.dataset.state = j.cells.state.textContent;
      paint(j, Date.now());
    },
    /** Seconds left of the running jobs (the longest), or null. */
    tick(now) {
      let left = null;
      for (const j of jobs.values()) {
        paint(j, now);
        if (j.started !== null && j.ended === null) {
          const l = remainingSeconds((now - j.started) / 1000, j.done, j.total);
          if (l !== null) left = Math.max(left ?? 0, l);
        }
      }
      return left;
    },
  };
}

async function openRun(id) {
  $('#run-id').textContent = id;
  $('#run-model').textContent = 'Loading run…';
  $('#run-times').textContent = '';
  $('#result').hidden = true;
  $('#compare').hidden = true;
  $('#curves').replaceChildren();
  $('#events').replaceChildren();
  $('#phases').replaceChildren();
  const run = await api('GET', `/v1/neon/runs/${encodeURIComponent(id)}`);
  $('#run-id').textContent = run.id;
  const base = findVersion(run.model, run.base_version_id);
  $('#run-model').replaceChildren(
    base ? versionLink(base.id, `${run.model}@${base.tag}`) : run.model,
    `, preset ${run.preset}`,
  );
  setState(run.state);
  let done = 0;
  $('#trials-done').textContent = '0';
  refreshCurves(id);
  const created = Date.parse(run.created_at);
  let finishedAt = FINAL.includes(`neon.run.${run.state}`) ? Date.parse(run.updated_at) : null;
  const jobs = jobTracker(run.id);
  const tick = () => {
    const now = Date.now();
    const left = jobs.tick(now);
    const elapsed = ((finishedAt ?? now) - created) / 1000;
    $('#run-times').textContent =
      `Started ${new Date(created).toLocaleString()} · ${finishedAt ? 'took' : 'elapsed'} ${duration(elapsed)}${!finishedAt && left !== null ? ` · current step ~${duration(left)} left` : ''}`;
  };
  tick();
  timers.add(setInterval(tick, 1000));
  source = new EventSource(`/v1/neon/runs/${encodeURIComponent(id)}/events`);
  const onEvent = async (msg) => {
    const e = JSON.parse(msg.data);
    jobs.onEvent(e);
    if (e.type !== 'job.progress') {
      const { kind, text } = eventText(e, run.id);
      const log = $('#events');
      const li = el(
        'li',
        { className: `event ${kind}` },
        el('time', { dateTime: e.created_at }, new Date(e.created_at).toLocaleTimeString()),
        el('span', { className: 'kind' }, kind),
        text,
      );
      li.title = e.type;
      log.append(li);
      log.scrollTop = log.scrollHeight;
    }
    if (e.type === 'neon.run.phase') setState(e.payload.to);
    if (e.type === 'neon.trial.done') {
      $('#trials-done').textContent = String(++done);
      refreshCurves(id);
    }
    if (FINAL.includes(e.type)) {
      source.close();
      source = null;
      const final = await api('GET', `/v1/neon/runs/${encodeURIComponent(id)}`);
      finishedAt = Date.parse(final.updated_at);
      setState(final.state);
      tick();
      refreshCurves(id);
      if (final.state === 'failed') showError(`run ${id} failed: ${final.error || ''}`);
      await showResult(final);
    }
  };
  for (const t of EVENT_TYPES) source.addEventListener(t, onEvent);
}

async function route() {
  if (source) {
    source.close();
    source = null;
  }
  for (const t of timers) clearInterval(t);
  timers.clear();
  showError('');
  const hash = location.hash || '#/';
  const run = /^#\/runs\/(.+)$/.exec(hash);
  const version = /^#\/versions\/(\d+)$/.exec(hash);
  const view = run ? 'run' : hash.startsWith('#/runs') ? 'runs' : 'home';
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  try {
    await loadModels();
    if (version) {
      for (const tr of document.querySelectorAll('#models tr.lit')) tr.classList.remove('lit');
      const tr = document.getElementById(`version-${version[1]}`);
      if (tr) {
        tr.classList.add('lit');
        tr.scrollIntoView({ block: 'center' });
      } else showError(`no model version ${version[1]}`);
    }
    if (view === 'runs') {
      await loadRuns();
      timers.add(setInterval(() => loadRuns().catch((err) => showError(err.message)), RUNS_REFRESH_MS));
    }
    if (view === 'run') await openRun(decodeURIComponent(run[1]));
  } catch (err) {
    showError(err.message);
  }
}

window.addEventListener('hashchange', route);
route();
