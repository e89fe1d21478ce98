// The reduced toy: small budgets, same code paths as `neon toy`, asserting the paper's signs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const home = mkdtempSync(join(tmpdir(), 'neon-toy-'));

function neon(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/neon.js', ...args], { encoding: 'utf8', env: { ...process.env, NEON_HOME: home }, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

test('bad input exits 2 with one line naming the flag', () => {
  for (const [args, flag] of [
    [['toy', '--family', 'gan'], '--family'],
    [['toy', '--w', '2:1:0.5'], '--w'],
    [['toy', '--w', '-1:1:x'], '--w'],
    [['toy', '--seed', 'abc'], '--seed'],
    [['toy', '--zeta', '0.9,abc'], '--zeta'],
    [['toy', '--family', 'ar', '--zeta', '1.1'], '--zeta'],
    [['toy', '--bogus'], '--bogus'],
  ] as const) {
    const r = neon([...args]);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(flag), `${args.join(' ')}: ${lines[0]}`);
  }
});

// What it asserts is what holds whatever the draws: the mode-seeking side (ζ = 1.1: w > 0, a large gain, a negative
// cosine) and that ζ = 0.9 wants less extrapolation than ζ = 1.1. Not the sign of ζ = 0.9's best w or cosine: with
// the toy's 20-step sampler, ζ = 0.9 is close to calibrated (shared/toy/exact-score.test.ts), and on one θr a new
// draw of the synthetic set moves its optimum from −0.1 to +0.4 (README, "The toy").
test('reduced diffusion toy: ζ = 1.1 wants w > 0, Neon beats the base, its cosine is negative; ζ = 0.9 wants less', () => {
  const r = neon(['toy', '--family', 'diffusion', '--w', '-1:1.5:0.25', '--seed', '0', '--n-eval', '20000', '--json']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = lastJson(r.stdout);
  assert.equal(out.family, 'diffusion');
  const hi = out.curves['1.1'];
  const lo = out.curves['0.9'];
  assert.ok(hi.best_w > 0, `ζ=1.1 best w ${hi.best_w}`);
  assert.ok(hi.best_fid <= 0.3 * hi.base_fid, `ζ=1.1 best ${hi.best_fid} vs base ${hi.base_fid}`);
  assert.ok(lo.best_w < hi.best_w, `ζ=0.9 best w ${lo.best_w} should be below ζ=1.1's ${hi.best_w}`);
  assert.ok(out.cosine['1.1'] < 0, `cosines ${JSON.stringify(out.cosine)}`);
  assert.equal(out.base_fid, hi.base_fid);
  assert.ok(Object.keys(hi.fid_by_w).length >= 11 && Object.keys(hi.fid_by_w).length <= 13);
  assert.ok(typeof out.seconds === 'number');
});

test('reduced autoregressive toy: τ < 1 wants w > 0', () => {
  const r = neon(['toy', '--family', 'ar', '--tau', '0.5', '--w', '-0.5:0.5:0.125', '--n-eval', '20000', '--pretrain-steps', '3000', '--json']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = lastJson(r.stdout);
  const c = out.curves['0.5'];
  assert.ok(c.best_w > 0, `τ=0.5 best w ${c.best_w}: ${JSON.stringify(c.fid_by_w)}`);
  assert.ok(c.best_fid < c.base_fid);
});
