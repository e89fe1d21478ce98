// The committed PyTorch fixtures are what scripts/export-torch-fixtures.py writes: re-export them with the same
// torch and compare (skipped where python3-torch is not installed; .ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The float32 tensors of a safetensors file, by name. */
function float32Tensors(bytes: Buffer): Map<string, Float32Array> {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const out = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.equal(t.dtype, 'F32', name);
    const [a, b] = t.data_offsets;
    out.set(
      name,
      new Float32Array(
        bytes.buffer.slice(bytes.byteOffset + 8 + headerLength + a, bytes.byteOffset + 8 + headerLength + b),
      ),
    );
  }
  return out;
}

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
    // the same torch on another CPU may sum in another order (vector width, threads): equal to float32 rounding
    const freshGrads = float32Tensors(readFileSync(join(out, `${name}-grads.safetensors`)));
    const committedGrads = float32Tensors(readFileSync(join('tests/fixtures/torch', `${name}-grads.safetensors`)));
    assert.deepEqual([...freshGrads.keys()].sort(), [...committedGrads.keys()].sort(), `${name}: gradient names`);
    for (const [tensor, c] of committedGrads) {
      const f = freshGrads.get(tensor)!;
      assert.equal(f.length, c.length, `${name}/${tensor}: size`);
      const scale = c.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let i = 0; i < c.length; i++) {
        assert.ok(
          Math.abs(f[i] - c[i]) <= 1e-4 * scale + 1e-7,
          `${name}/${tensor}[${i}]: ${f[i]} vs committed ${c[i]}`,
        );
      }
    }
  }
});
