// The console's text (static/format.js, the module the page imports): durations, job names from job keys, the
// progress line of each job type, the time left at the rate so far, and event rows in words instead of JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const f = await import(pathToFileURL(join(import.meta.dirname, 'static', 'format.js')).href);

test('durations, numbers and class names', () => {
  assert.equal(f.duration(0), '0 s');
  assert.equal(f.duration(59.4), '59 s');
  assert.equal(f.duration(185), '3 min 05 s');
  assert.equal(f.duration(3720), '1 h 02 min');
  assert.equal(f.duration(-1), '—');
  assert.equal(f.fmt(12.345678), '12.35');
  assert.equal(f.fmt(null), '—');
  const names = ['T-shirt/top', 'Trouser'];
  assert.equal(f.className(names, 1), 'Trouser');
  assert.equal(f.className(null, 9), 'class 9');
  assert.equal(f.className(names, null), '');
});

test('job names from keys, the progress line by job type, and the time left', () => {
  assert.equal(f.stepOfKey('r-1', 'run:r-1:trial:select:s20:w1.5:c3'), 'trial:select:s20:w1.5:c3');
  assert.equal(f.jobLabel('synthesize'), 'Synthesis');
  assert.equal(f.jobLabel('selftrain'), 'Self-training');
  assert.equal(f.jobLabel('trial:select:s20:w1.5:c3'), 'Selection trial: step 20, w = 1.5, cfg 3');
  assert.equal(f.jobLabel('trial:select:n600:s20:w1.5:c3'), 'Selection trial: step 20, w = 1.5, cfg 3 (600 seeds)');
  assert.equal(f.jobLabel('trial:select:n64:base:c2'), 'Selection trial: base θr, cfg 2 (64 seeds)');
  assert.equal(f.jobLabel('trial:report:base:c2'), 'Report trial: base θr, cfg 2');
  assert.equal(
    f.progressText('neon.synthesize', { done: 256, total: 512, images_per_second: 40.123 }),
    '256 / 512 images · 40.12/s',
  );
  assert.equal(f.progressText('neon.selftrain', { done: 20, total: 40, loss: 0.123456 }), 'step 20 / 40 · loss 0.1235');
  assert.equal(f.progressText('neon.trial', { done: 128, total: 512 }), '128 / 512 samples');
  assert.equal(f.progressText('neon.trial', {}), '');
  assert.equal(f.progressText('neon.promote', { done: 2, total: 2, stage: 'registered' }), '2 / 2 · registered');
  assert.equal(f.remainingSeconds(10, 25, 100), 30);
  assert.equal(f.remainingSeconds(10, 0, 100), null);
  assert.equal(f.remainingSeconds(10, 100, 100), null);
});

test('event rows are sentences, not JSON', () => {
  const row = (type: string, payload: Record<string, unknown>) => f.eventText({ type, payload }, 'r1');
  assert.deepEqual(row('neon.run.phase', { from: 'pending', to: 'synthesizing' }), {
    kind: 'phase',
    text: 'pending → synthesizing',
  });
  assert.deepEqual(row('job.started', { key: 'run:r1:selftrain', job_type: 'neon.selftrain', attempt: 2 }), {
    kind: 'job',
    text: 'Self-training started (attempt 2)',
  });
  assert.deepEqual(
    row('job.succeeded', { key: 'run:r1:synthesize', job_type: 'neon.synthesize', result: { n: 512, seconds: 65 } }),
    { kind: 'job', text: 'Synthesis done: 512 images in 1 min 05 s' },
  );
  assert.deepEqual(
    row('job.succeeded', {
      key: 'run:r1:trial:select:s20:w1:c3',
      job_type: 'neon.trial',
      result: { fid: 12.3456, n: 64, seconds: 2 },
    }),
    { kind: 'job', text: 'Selection trial: step 20, w = 1, cfg 3 done: FID 12.35 on 64 samples in 2 s' },
  );
  assert.deepEqual(row('job.retrying', { key: 'run:r1:selftrain', job_type: 'neon.selftrain', error: 'lease lost' }), {
    kind: 'job',
    text: 'Self-training will retry: lease lost',
  });
  assert.deepEqual(row('neon.trial.done', { phase: 'select', snapshot: null, w: 0, cfg: 3, fid: 40.5 }), {
    kind: 'trial',
    text: 'selection: base θr, cfg 3 → FID 40.5',
  });
  const ok = row('neon.run.succeeded', {
    result: { base: { fid_report: 50 }, best: { fid_report: 40, w: 1.5 }, promoted: 'm@neon-r1' },
  });
  assert.deepEqual(ok, { kind: 'done', text: 'succeeded: FID 50 → 40 (report seeds) at w = 1.5, promoted m@neon-r1' });
  for (const r of [ok, row('neon.run.created', { model: 'm', preset: 'smoke', config: { a: { b: 1 } } })])
    assert.doesNotMatch(r.text, /[{}"]/);
});
