// The command line as a user runs it, for tests: `neon` in its own process with its own NEON_HOME, the JSON of its
// last stdout line, and the contract for bad input (exit 2, one line on stderr naming the culprit).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NeonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `neon` runner on a fresh NEON_HOME (`home`), each call a process bounded by `timeout` ms. */
export function neonProcess(prefix: string, defaultTimeout = 300_000) {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const neon = (args: readonly string[], timeout = defaultTimeout): NeonResult => {
    const r = spawnSync(process.execPath, ['bin/neon.js', ...args], {
      encoding: 'utf8',
      env: { ...process.env, NEON_HOME: home },
      timeout,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { home, neon };
}

/** The JSON object on the last line of stdout (`--json`). */
export function lastJson(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** Each case exits 2 with one line on stderr that contains its word (the flag, file, operator or array). */
export function assertUsageErrors(
  neon: (args: readonly string[]) => NeonResult,
  cases: readonly (readonly [readonly string[], string])[],
): void {
  for (const [args, word] of cases) {
    const r = neon(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(word), `${args.join(' ')}: ${lines[0]}`);
  }
}
