// The reduced toy: small budgets, same code paths as `neon toy`, asserting the paper's signs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertUsageErrors, lastJson, neonProcess } from './testing/neon-process.ts';
import { existsSync, readFileSync } from 'node:fs';

const { neon } = neonProcess('neon-toy-', 600_000);

test('bad input exits 2 with one line naming the flag', () => {
  assertUsageErrors(neon, [
    [['toy', '--family', 'gan'], '--family'],
    [['toy', '--w', '2:1:0.5'], '--w'],
    [['toy', '--w', '-1:1:x'], '--w'],
    [['toy', '--seed', 'abc'], '--seed'],
    [['toy', '--zeta', '0.9,abc'], '--zeta'],
    [['toy', '--family', 'ar', '--zeta', '1.1'], '--zeta'],
    [['toy', '--bogus'], '--bogus'],
  ]);
});

// The paper's protocol (the default): synthetic sets drawn with ζ = 0.9 and 1.1, every merged model scored with the
// unbiased sampler ζ = 1. Both signs of w follow on seeds 0–4 (README, "The toy"), and the cosine is larger for the
// diversity-seeking set. Not asserted: cos(1.1) < 0, which holds on seeds 1–4 but not on seed 0 (+0.020, within the
// spread of the estimate there).
test('reduced diffusion toy, scored at ζ = 1: ζ = 1.1 wants w > 0 and a large gain, ζ = 0.9 wants w < 0; cos(0.9) > 0, cos(0.9) > cos(1.1)', () => {
  const r = neon(['toy', '--family', 'diffusion', '--w', '-2:1.5:0.25', '--seed', '0', '--n-eval', '20000', '--json']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = lastJson(r.stdout);
  assert.equal(out.family, 'diffusion');
  assert.equal(out.eval_knob, 1);
  const hi = out.curves['1.1'];
  const lo = out.curves['0.9'];
  assert.ok(hi.best_w > 0, `ζ=1.1 best w ${hi.best_w}`);
  assert.ok(hi.best_fid <= 0.3 * hi.base_fid, `ζ=1.1 best ${hi.best_fid} vs base ${hi.base_fid}`);
  assert.ok(lo.best_w < 0, `ζ=0.9 best w ${lo.best_w}: ${JSON.stringify(lo.fid_by_w)}`);
  assert.ok(out.cosine['0.9'] > 0 && out.cosine['0.9'] > out.cosine['1.1'], `cosines ${JSON.stringify(out.cosine)}`);
  // one evaluation sampler: θr's FID is the same point on both curves
  assert.equal(hi.base_fid, lo.base_fid);
  assert.equal(out.base_fid, hi.base_fid);
  assert.ok(Object.keys(hi.fid_by_w).length >= 15 && Object.keys(hi.fid_by_w).length <= 17);
  assert.ok(typeof out.seconds === 'number');
});

test('bad protocol flags exit 2 naming the flag', () => {
  assertUsageErrors(neon, [
    [['toy', '--eval-zeta', '0'], '--eval-zeta'],
    [['toy', '--eval-zeta', 'other'], '--eval-zeta'],
    [['toy', '--family', 'ar', '--eval-zeta', '1'], '--eval-zeta'],
    [['toy', '--eval-tau', '1'], '--eval-tau'],
    [['toy', '--cosine-sweep', '1.2:0.8:0.1'], '--cosine-sweep'],
    [['toy', '--family', 'ar', '--cosine-sweep', '0.8:1.2:0.1'], '--cosine-sweep'],
    [['toy', '--cosine-sweep', '0.8:1.2:0.1', '--w', '0,1'], '--w'],
    [['toy', '--family', 'ar', '--tau-sweep', '0:1:0.5'], '--tau-sweep'],
    [['toy', '--ar-model', 'gaussian'], '--ar-model'],
    [['toy', '--family', 'ar', '--ar-model', 'mixture'], '--ar-model'],
    [['toy', '--preconditioner', 'adam'], '--preconditioner'],
  ]);
});

test('the cosine sweep: one cosine per knob, a plot, and the sign changes across the sweep', () => {
  const r = neon([
    'toy',
    '--family',
    'ar',
    '--tau-sweep',
    '0.5,1.6',
    '--pretrain-steps',
    '3000',
    '--n-gradient',
    '20000',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = lastJson(r.stdout);
  assert.deepEqual(Object.keys(out.cosine), ['0.5', '1.6']);
  assert.ok(out.cosine['0.5'] < 0 && out.cosine['1.6'] > 0, JSON.stringify(out.cosine));
  assert.ok(existsSync(out.plot) && readFileSync(out.plot, 'utf8').startsWith('<svg'));
});

// Scored with its own τ: τ = 0.5 wants w > 0 on every seed. Scored at τ = 1 (the paper's protocol) the AR θr is
// already near the target (FID 0.004–0.025) and the best w is 0 on seeds 0–2 (README, "The toy").
test('reduced autoregressive toy, scored with its own τ: τ < 1 wants w > 0', () => {
  const r = neon([
    'toy',
    '--family',
    'ar',
    '--tau',
    '0.5',
    '--eval-tau',
    'same',
    '--w',
    '-0.5:0.5:0.125',
    '--n-eval',
    '20000',
    '--pretrain-steps',
    '3000',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = lastJson(r.stdout);
  assert.equal(out.eval_knob, 'same');
  const c = out.curves['0.5'];
  assert.ok(c.best_w > 0, `τ=0.5 best w ${c.best_w}: ${JSON.stringify(c.fid_by_w)}`);
  assert.ok(c.best_fid < c.base_fid);
});
