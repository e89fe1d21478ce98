// The committed PyTorch fixtures are what scripts/export-torch-fixtures.py writes: re-export them with the same
// torch and compare (skipped where python3-torch is not installed; .ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const torchVersion = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], {
  encoding: 'utf8',
});
const available = torchVersion.status === 0;

test('scripts/export-torch-fixtures.py reproduces tests/fixtures/torch', {
  skip: available ? false : 'python3-torch is not installed',
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'neon-torch-'));
  const r = spawnSync('/usr/bin/python3', ['scripts/export-torch-fixtures.py', out], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  for (const name of ['unet', 'transformer']) {
    const committed = JSON.parse(readFileSync(join('tests/fixtures/torch', `${name}-expected.json`), 'utf8'));
    const fresh = JSON.parse(readFileSync(join(out, `${name}-expected.json`), 'utf8'));
    assert.equal(fresh.parameters, committed.parameters, name);
    if (fresh.torch !== committed.torch) continue; // another torch may round differently; the structure still must match
    assert.ok(
      Math.abs(fresh.loss - committed.loss) <= 1e-6 * Math.abs(committed.loss),
      `${name}: loss ${fresh.loss} vs committed ${committed.loss}`,
    );
    assert.deepEqual(
      readFileSync(join(out, `${name}-grads.safetensors`)),
      readFileSync(join('tests/fixtures/torch', `${name}-grads.safetensors`)),
      `${name}: gradients`,
    );
  }
});
