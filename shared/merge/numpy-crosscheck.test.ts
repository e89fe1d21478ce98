// Cross-check against numpy where it is installed (skipped otherwise): numpy writes F16, F32 and F64 tensors in
// safetensors layout, we merge them, numpy computes (1+w)·base − w·self in float64 and casts to the dtype
// (numpy's float64 → float16 cast rounds to nearest even directly from float64), and the bytes must be equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeCheckpoints } from './merge-checkpoints.ts';

const haveNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

const SCRIPT = `
import json, struct, sys, numpy as np
mode, d = sys.argv[1], sys.argv[2]
def save(path, arrays):
    hdr, off, blobs = {}, 0, []
    for name, (dt, a) in arrays.items():
        b = a.tobytes(); hdr[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}; off += len(b); blobs.append(b)
    h = json.dumps(hdr).encode(); h += b' ' * ((8 - len(h) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
def load(path):
    raw = open(path, 'rb').read(); n = struct.unpack('<Q', raw[:8])[0]; h = json.loads(raw[8:8+n])
    return {k: raw[8+n+v['data_offsets'][0]:8+n+v['data_offsets'][1]] for k, v in h.items() if k != '__metadata__'}
rng = np.random.default_rng(7)
def pair(dt, n):
    a = (rng.standard_normal(n) * rng.choice([1e-6, 1e-3, 1, 1e3], n)).astype(dt)
    b = (a.astype(np.float64) + rng.standard_normal(n) * 1e-2 * np.abs(a.astype(np.float64))).astype(dt)
    return a, b
if mode == 'make':
    a16, b16 = pair(np.float16, 50000); a32, b32 = pair(np.float32, 50000); a64, b64 = pair(np.float64, 5000)
    save(d + '/base.safetensors', {'h': ('F16', a16.reshape(250, 200)), 'f': ('F32', a32), 'd': ('F64', a64)})
    save(d + '/self.safetensors', {'h': ('F16', b16.reshape(250, 200)), 'f': ('F32', b32), 'd': ('F64', b64)})
else:
    w = float(sys.argv[3]); base = load(d + '/base.safetensors'); self_ = load(d + '/self.safetensors'); out = load(sys.argv[4])
    bad = []
    for k, dt in (('h', np.float16), ('f', np.float32), ('d', np.float64)):
        x = np.frombuffer(base[k], dt).astype(np.float64); y = np.frombuffer(self_[k], dt).astype(np.float64)
        want = ((1 + w) * x - w * y).astype(dt).tobytes()
        if want != out[k]: bad.append(k)
    print(json.dumps(bad))
`;

test('numpy cross-check: F16, F32, F64 merges equal numpy float64 arithmetic cast to the dtype', {
  skip: haveNumpy ? false : 'python3 with numpy not available',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'np-merge-'));
  try {
    await writeFile(join(dir, 'x.py'), SCRIPT);
    const make = spawnSync('python3', [join(dir, 'x.py'), 'make', dir], { encoding: 'utf8' });
    assert.equal(make.status, 0, make.stderr);
    const ws = [1.5, -0.3, 2];
    const outputs = ws.map((w) => join(dir, `o${w}.safetensors`));
    await mergeCheckpoints({ base: join(dir, 'base.safetensors'), self: join(dir, 'self.safetensors'), ws, outputs });
    for (let k = 0; k < ws.length; k++) {
      const check = spawnSync('python3', [join(dir, 'x.py'), 'check', dir, String(ws[k]), outputs[k]], {
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stderr);
      assert.deepEqual(JSON.parse(check.stdout), [], `w=${ws[k]}: tensors differing from numpy`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
