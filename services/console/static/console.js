// The Neon console: hash routes over the services' JSON APIs. Mutating calls carry the token field's value as
// `Authorization: Bearer`; reads and the run's server-sent events are open (the auth middleware guards mutations only).
'use strict';

const PHASES = ['pending', 'synthesizing', 'self-training', 'sweeping', 'reporting', 'promoting', 'succeeded'];
const FINAL = ['neon.run.succeeded', 'neon.run.failed'];
const EVENT_TYPES = ['neon.run.created', 'neon.run.phase', 'neon.trial.done', 'neon.note', ...FINAL, 'job.queued', 'job.started', 'job.succeeded', 'job.failed', 'job.retrying'];
const $ = (sel) => document.querySelector(sel);
let models = [];
let source = null;

const tokenInput = $('#token');
tokenInput.value = localStorage.getItem('neon.token') || '';
for (const t of ['input', 'change']) tokenInput.addEventListener(t, () => localStorage.setItem('neon.token', tokenInput.value.trim()));

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
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

const fmt = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));
const isImageModel = (m) => m && m.versions.some((v) => Array.isArray(v.data_shape) && v.data_shape.length === 3);

async function loadModels() {
  models = (await api('GET', '/v1/console/models')).data;
  const body = $('#models tbody');
  body.replaceChildren();
  for (const m of models) {
    for (const v of m.versions) {
      const aliases = Object.entries(m.aliases).filter(([, tag]) => tag === v.tag).map(([a]) => a).join(', ');
      const lin = v.lineage ? `θr = @${v.lineage.base_tag}, snapshot ${fmt(v.lineage.snapshot)}, w = ${fmt(v.lineage.w)}${v.lineage.run_id ? `, run ${v.lineage.run_id}` : ''}` : 'base';
      body.append(el('tr', { className: 'version' }, el('td', {}, m.name), el('td', {}, `@${v.tag}`), el('td', {}, v.family || '—'), el('td', {}, `${(v.data_shape || []).join('×')}${v.num_classes ? `, ${v.num_classes} classes` : ''}`), el('td', {}, lin), el('td', {}, aliases)));
    }
  }
  const gen = $('#generate [name=model]');
  const keep = gen.value;
  gen.replaceChildren();
  for (const m of models.filter(isImageModel)) {
    gen.append(el('option', { value: m.name }, m.name));
    for (const v of m.versions) gen.append(el('option', { value: `${m.name}@${v.tag}` }, `${m.name}@${v.tag}`));
    for (const a of Object.keys(m.aliases).filter((a) => a !== 'default')) gen.append(el('option', { value: `${m.name}@${a}` }, `${m.name}@${a}`));
  }
  if (keep) gen.value = keep;
  const run = $('#start-run [name=model]');
  const keepRun = run.value;
  run.replaceChildren(...models.map((m) => el('option', { value: m.name }, m.name)));
  if (keepRun) run.value = keepRun;
}

/** Images of `model` on seeds seed..seed+n-1 into `grid`. */
async function generateInto(grid, body) {
  const res = await api('POST', '/v1/images/generations', { response_format: 'b64_json', ...body });
  grid.replaceChildren(
    ...res.data.map((d) => el('figure', { className: 'sample' }, el('img', { src: `data:image/png;base64,${d.b64_json}`, alt: `seed ${d.seed}`, title: `seed ${d.seed}, class ${d.class_label}` }), el('figcaption', {}, `${d.seed}${d.class_label === null ? '' : ` · c${d.class_label}`}`))),
  );
}

$('#generate').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const num = (k) => (f.get(k) === '' || f.get(k) === null ? undefined : Number(f.get(k)));
  const body = { model: f.get('model'), n: num('n') ?? 1, seed: num('seed'), class_labels: num('class'), guidance_scale: num('guidance'), num_inference_steps: num('steps') };
  showError('');
  try {
    await generateInto($('#samples'), body);
  } catch (err) {
    showError(err.message);
  }
});

$('#start-run').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { model: f.get('model'), preset: f.get('preset') };
  if (f.get('id')) body.id = f.get('id');
  showError('');
  try {
    const run = await api('POST', '/v1/neon/runs', body);
    location.hash = `#/runs/${encodeURIComponent(run.id)}`;
  } catch (err) {
    showError(err.message);
  }
});

async function loadRuns() {
  const runs = (await api('GET', '/v1/neon/runs?limit=50')).data;
  $('#runs tbody').replaceChildren(
    ...runs.map((r) => el('tr', {}, el('td', {}, el('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id)), el('td', {}, r.model), el('td', {}, r.preset), el('td', {}, r.state), el('td', {}, new Date(r.created_at).toLocaleString()))),
  );
}

function setState(state) {
  const s = $('#run-state');
  s.textContent = state;
  s.dataset.state = state;
  const at = PHASES.indexOf(state);
  $('#phases').replaceChildren(...PHASES.map((p, i) => el('li', { className: state === 'failed' ? '' : i < at ? 'done' : i === at ? 'current' : '' }, p)));
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
  const row = (name, p) => el('tr', {}, el('th', {}, name), el('td', {}, fmt(p.snapshot)), el('td', {}, fmt(p.w)), el('td', {}, fmt(p.cfg)), el('td', {}, fmt(p.fid_select)), el('td', {}, fmt(p.fid_report)));
  $('#chosen tbody').replaceChildren(row('base θr', { snapshot: null, w: 0, ...s.base }), row('Neon (chosen)', s.best));
  $('#promoted').textContent = s.promoted ? `Promoted as ${s.promoted} (and ${run.model}@neon).` : 'Not promoted.';
  if (!models.length) await loadModels();
  const m = models.find((x) => x.name === run.model);
  $('#compare').hidden = false;
  $('#compare .pair').hidden = !(s.promoted && isImageModel(m));
  if (!s.promoted) return void ($('#compare-note').textContent = 'No promoted version to compare.');
  if (!isImageModel(m)) return void ($('#compare-note').textContent = `${run.model} does not make images: no sample grids (its FID is over points).`);
  const baseTag = (m.versions.find((v) => v.id === run.base_version_id) || { tag: 'base' }).tag;
  const seeds = { seed: 0, n: 8 };
  $('#compare-note').textContent = `Seeds ${seeds.seed}–${seeds.seed + seeds.n - 1}, each at its chosen guidance scale.`;
  $('#base-caption').textContent = `${run.model}@${baseTag}, cfg ${fmt(s.base.cfg)}`;
  $('#neon-caption').textContent = `${s.promoted}, cfg ${fmt(s.best.cfg)}`;
  try {
    await generateInto($('#grid-base'), { model: `${run.model}@${baseTag}`, guidance_scale: s.base.cfg, ...seeds });
    await generateInto($('#grid-neon'), { model: s.promoted, guidance_scale: s.best.cfg, ...seeds });
  } catch (err) {
    $('#compare-note').textContent = err.message;
  }
}

async function openRun(id) {
  const run = await api('GET', `/v1/neon/runs/${encodeURIComponent(id)}`);
  $('#run-id').textContent = run.id;
  $('#run-model').textContent = `${run.model}, preset ${run.preset}`;
  $('#result').hidden = true;
  $('#compare').hidden = true;
  $('#curves').replaceChildren();
  $('#events').replaceChildren();
  setState(run.state);
  let done = 0;
  $('#trials-done').textContent = '0';
  refreshCurves(id);
  source = new EventSource(`/v1/neon/runs/${encodeURIComponent(id)}/events`);
  const onEvent = async (msg) => {
    const e = JSON.parse(msg.data);
    const log = $('#events');
    log.append(el('li', {}, `${e.type} ${JSON.stringify(e.payload)}`.slice(0, 200)));
    log.scrollTop = log.scrollHeight;
    if (e.type === 'neon.run.phase') setState(e.payload.to);
    if (e.type === 'neon.trial.done') {
      $('#trials-done').textContent = String(++done);
      refreshCurves(id);
    }
    if (FINAL.includes(e.type)) {
      source.close();
      source = null;
      const final = await api('GET', `/v1/neon/runs/${encodeURIComponent(id)}`);
      setState(final.state);
      refreshCurves(id);
      if (final.state === 'failed') showError(`run ${id} failed: ${final.error || ''}`);
      await loadModels().catch(() => {});
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
  showError('');
  const hash = location.hash || '#/';
  const run = /^#\/runs\/(.+)$/.exec(hash);
  const view = run ? 'run' : hash.startsWith('#/runs') ? 'runs' : 'home';
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  try {
    await loadModels();
    if (view === 'runs') await loadRuns();
    if (view === 'run') await openRun(decodeURIComponent(run[1]));
  } catch (err) {
    showError(err.message);
  }
}

window.addEventListener('hashchange', route);
route();
