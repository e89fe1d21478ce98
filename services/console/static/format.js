// The console's text: numbers, durations, job names, job progress and readable event rows. Pure functions of the
// API's JSON (no DOM), so the page (console.js) and its unit test (../format.test.ts) share them.

/** A number to 4 significant digits; null/undefined as a dash. */
export function fmt(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v);
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A class label by name when the model has names, else `class N`. */
export function className(names, label) {
  if (label === null || label === undefined) return '';
  return names && names[label] ? names[label] : `class ${label}`;
}

/** The step of a run's job key (`run:<id>:trial:select:s20:w1.5:c3` → `trial:select:s20:w1.5:c3`). */
export function stepOfKey(runId, key) {
  const prefix = `run:${runId}:`;
  return typeof key === 'string' && key.startsWith(prefix) ? key.slice(prefix.length) : String(key ?? '');
}

/** A sweep point key (`base:c3`, `s20:w1.5:c3`; with a multi-fidelity rung `n600:s20:w1.5:c3`) in words. */
export function pointText(key) {
  const rung = /^n(\d+):(.+)$/.exec(key);
  const point = rung ? rung[2] : key;
  const seeds = rung ? ` (${rung[1]} seeds)` : '';
  const base = /^base:c(.+)$/.exec(point);
  if (base) return `base θr, cfg ${base[1]}${seeds}`;
  const p = /^s(\d+):w(.+):c(.+)$/.exec(point);
  return p ? `step ${p[1]}, w = ${p[2]}, cfg ${p[3]}${seeds}` : key;
}

/** A job's step in words: Synthesis, Self-training, Selection trial: step 20, w = 1.5, cfg 3, … */
export function jobLabel(step) {
  if (step === 'synthesize') return 'Synthesis';
  if (step === 'selftrain') return 'Self-training';
  if (step === 'promote') return 'Promotion';
  const t = /^trial:(select|report):(.+)$/.exec(step);
  if (t) return `${t[1] === 'select' ? 'Selection' : 'Report'} trial: ${pointText(t[2])}`;
  return step;
}

/** What a job.progress payload says, by job type: images synthesized, step and loss, samples scored. */
export function progressText(jobType, p) {
  if (!p || typeof p.done !== 'number') return '';
  const of = typeof p.total === 'number' ? ` / ${p.total}` : '';
  if (jobType === 'neon.selftrain')
    return `step ${p.done}${of}${typeof p.loss === 'number' ? ` · loss ${p.loss.toFixed(4)}` : ''}`;
  if (jobType === 'neon.synthesize')
    return `${p.done}${of} images${typeof p.images_per_second === 'number' ? ` · ${fmt(p.images_per_second)}/s` : ''}`;
  if (jobType === 'neon.trial') return `${p.done}${of} samples`;
  return `${p.done}${of}${typeof p.stage === 'string' ? ` · ${p.stage}` : ''}`;
}

/** Seconds left at the rate so far, or null while nothing is done (or the job is finished). */
export function remainingSeconds(elapsedSeconds, done, total) {
  if (!(done > 0) || !(total > done) || !(elapsedSeconds >= 0)) return null;
  return (elapsedSeconds / done) * (total - done);
}

const JOB_VERB = {
  'job.queued': 'queued',
  'job.started': 'started',
  'job.succeeded': 'done',
  'job.failed': 'failed',
  'job.retrying': 'will retry',
};

/** What a finished job produced, in words. */
function resultText(jobType, r) {
  if (!r) return '';
  const secs = typeof r.seconds === 'number' ? ` in ${duration(r.seconds)}` : '';
  if (jobType === 'neon.synthesize') return `${r.n ?? '?'} images${secs}`;
  if (jobType === 'neon.selftrain') return `${(r.snapshots || []).length} snapshots${secs}`;
  if (jobType === 'neon.trial' && typeof r.fid === 'number') return `FID ${fmt(r.fid)} on ${r.n ?? '?'} samples${secs}`;
  if (jobType === 'neon.promote' && r.ref) return `registered ${r.ref}`;
  return secs.trim();
}

/** One event of a run's stream as {kind, text}: a short tag and a sentence (no raw JSON). */
export function eventText(e, runId) {
  const p = e.payload || {};
  switch (e.type) {
    case 'neon.run.created':
      return { kind: 'run', text: `run created: ${p.model}${p.preset ? `, preset ${p.preset}` : ''}` };
    case 'neon.run.phase':
      return { kind: 'phase', text: `${p.from} → ${p.to}` };
    case 'neon.trial.done':
      return {
        kind: 'trial',
        text: `${p.phase === 'report' ? 'report' : 'selection'}: ${p.snapshot === null ? 'base θr' : `step ${p.snapshot}, w = ${fmt(p.w)}`}, cfg ${fmt(p.cfg)} → FID ${fmt(p.fid)}`,
      };
    case 'neon.run.succeeded': {
      const s = p.result;
      return {
        kind: 'done',
        text: s
          ? `succeeded: FID ${fmt(s.base.fid_report)} → ${fmt(s.best.fid_report)} (report seeds) at w = ${fmt(s.best.w)}${s.promoted ? `, promoted ${s.promoted}` : ''}`
          : 'succeeded',
      };
    }
    case 'neon.run.failed':
      return { kind: 'failed', text: `failed during ${p.from}: ${p.error ?? ''}` };
    case 'job.progress':
      return {
        kind: 'progress',
        text: `${jobLabel(stepOfKey(runId, p.key))}: ${progressText(p.job_type, p.progress)}`,
      };
    default:
      if (JOB_VERB[e.type]) {
        const label = jobLabel(stepOfKey(runId, p.key));
        let extra = '';
        if (e.type === 'job.started' && p.attempt > 1) extra = ` (attempt ${p.attempt})`;
        if (e.type === 'job.succeeded')
          extra = resultText(p.job_type, p.result) ? `: ${resultText(p.job_type, p.result)}` : '';
        if (e.type === 'job.failed' || e.type === 'job.retrying') extra = `: ${p.error ?? p.reason ?? ''}`;
        return { kind: 'job', text: `${label} ${JOB_VERB[e.type]}${extra}` };
      }
      return { kind: e.type.split('.').pop(), text: p.message ? String(p.message) : e.type };
  }
}
