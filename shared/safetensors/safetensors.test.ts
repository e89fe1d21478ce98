import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySource } from './byte-source.ts';
import { DTYPES, DTYPE_BITS } from './dtype.ts';
import { SafetensorsError } from './errors.ts';
import { encodeHeader } from './header.ts';
import { openSafetensors, openSafetensorsSource } from './reader.ts';
import { writeSafetensors, SafetensorsWriter } from './writer.ts';
import { parseStrictJson } from './strict-json.ts';

const enc = new TextEncoder();

function file(json: string, dataBytes: number): Uint8Array {
  const j = enc.encode(json);
  const out = new Uint8Array(8 + j.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
  out.set(j, 8);
  return out;
}

async function code(bytes: Uint8Array): Promise<string> {
  try {
    await openSafetensorsSource(new MemorySource('t', bytes));
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof SafetensorsError, String(err));
    return err.code;
  }
}

test('each rule of the format is enforced with its own error', async () => {
  const t = (dtype: string, shape: string, offs: string) =>
    `"a":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offs}}`;
  assert.equal(await code(file(`{${t('F32', '[2]', '[0,8]')}}`, 8)), 'ok');
  assert.equal(await code(new Uint8Array(5)), 'truncated');
  assert.equal(await code(file('{}', 0).slice(0, 9)), 'truncated');
  const huge = file('{}', 0);
  new DataView(huge.buffer).setBigUint64(0, 100_000_001n, true);
  assert.equal(await code(huge), 'header_too_large');
  assert.equal(await code(file(' {}', 0)), 'header_invalid'); // must open with '{'
  assert.equal(await code(file('[]', 0)), 'header_invalid');
  assert.equal(
    await code(
      Uint8Array.from([...file('{"', 0).subarray(0, 8)].map((b, i) => (i === 0 ? 3 : b)).concat([0x7b, 0xff, 0x7d])),
    ),
    'invalid_utf8',
  );
  assert.equal(await code(file('{"a":1,}', 0)), 'invalid_json');
  assert.equal(await code(file(`{${t('F32', '[1]', '[0,4]')},${t('F32', '[1]', '[4,8]')}}`, 8)), 'duplicate_key');
  assert.equal(await code(file(`{${t('F33', '[1]', '[0,4]')}}`, 4)), 'invalid_dtype');
  assert.equal(await code(file(`{${t('F32', '[-1]', '[0,4]')}}`, 4)), 'invalid_shape');
  assert.equal(await code(file(`{${t('F32', '[1.0]', '[0,4]')}}`, 4)), 'invalid_shape');
  assert.equal(await code(file(`{${t('F32', '[3]', '[0,8]')}}`, 8)), 'size_mismatch');
  // overflow: 2^32 × 2^32 elements must not wrap around to a small size
  assert.equal(await code(file(`{${t('F32', '[4294967296,4294967296]', '[0,0]')}}`, 0)), 'size_mismatch');
  assert.equal(await code(file(`{${t('F32', '[18446744073709551616]', '[0,0]')}}`, 0)), 'invalid_shape');
  assert.equal(await code(file(`{${t('F32', '[0,18446744073709551615]', '[0,0]')}}`, 0)), 'invalid_shape');
  assert.equal(await code(file(`{${t('F32', '[2]', '[8,0]')}}`, 8)), 'invalid_offsets');
  // holes and overlaps between tensors, in offset order
  const two = (o1: string, o2: string, data: number) =>
    file(
      `{"x":{"dtype":"U8","shape":[4],"data_offsets":${o1}},"y":{"dtype":"U8","shape":[4],"data_offsets":${o2}}}`,
      data,
    );
  assert.equal(await code(two('[4,8]', '[0,4]', 8)), 'ok'); // listed out of order is fine
  assert.equal(await code(two('[0,4]', '[5,9]', 9)), 'invalid_offsets'); // hole
  assert.equal(await code(two('[0,4]', '[2,6]', 6)), 'invalid_offsets'); // overlap
  assert.equal(await code(two('[1,5]', '[5,9]', 9)), 'invalid_offsets'); // data not starting at 0
  // file length exact: 8 + header + data
  assert.equal(await code(file(`{${t('F32', '[2]', '[0,8]')}}`, 9)), 'length_mismatch');
  assert.equal(await code(file(`{${t('F32', '[2]', '[0,8]')}}`, 7)), 'size_mismatch');
  // __metadata__: strings only
  assert.equal(await code(file('{"__metadata__":{"a":"b"}}', 0)), 'ok');
  assert.equal(await code(file('{"__metadata__":{"a":1}}', 0)), 'invalid_metadata');
  assert.equal(await code(file('{"__metadata__":"x"}', 0)), 'invalid_metadata');
  // sub-byte dtypes: a whole number of bytes
  assert.equal(await code(file(`{${t('F4', '[3]', '[0,2]')}}`, 2)), 'size_mismatch');
  assert.equal(await code(file(`{${t('F4', '[4]', '[0,2]')}}`, 2)), 'ok');
  assert.equal(await code(file(`{${t('F6_E2M3', '[4]', '[0,3]')}}`, 3)), 'ok');
  // trailing spaces after the JSON are padding
  assert.equal(await code(file(`{${t('U8', '[1]', '[0,1]')}}       `, 1)), 'ok');
});

test('strict JSON: duplicates at any depth, deep nesting, big integers kept as text', () => {
  assert.throws(
    () => parseStrictJson('{"a":{"b":1,"b":2}}'),
    (e: SafetensorsError) => e.code === 'duplicate_key',
  );
  assert.throws(() => parseStrictJson('['.repeat(100) + ']'.repeat(100)), /nesting/);
  const v = parseStrictJson('{"n":[18446744073709551615]}') as Map<string, unknown>;
  assert.equal((v.get('n') as { raw: string }[])[0].raw, '18446744073709551615');
  assert.deepEqual([...(parseStrictJson('{"__proto__":"x"}') as Map<string, unknown>).keys()], ['__proto__']);
});

test('writer → reader round trip for every dtype; header padded to 8; empty and 0-rank tensors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'st-'));
  try {
    const tensors = DTYPES.map((dtype, i) => {
      const bits = DTYPE_BITS[dtype];
      const shape = bits % 8 ? [2, 4] : i % 3 === 0 ? [] : i % 3 === 1 ? [3] : [0, 2];
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Uint8Array.from({ length: (n * bits) / 8 }, (_, k) => (k * 31 + i) & 0xff);
      return { name: `t.${dtype}`, dtype, shape, data };
    });
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, tensors, { format: 'pt', 'neon.note': 'ünïcode' });
    const raw = await readFile(path);
    const n = Number(raw.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, 'data starts at a multiple of 8');
    const f = await openSafetensors(path);
    assert.deepEqual(f.metadata, { format: 'pt', 'neon.note': 'ünïcode' });
    for (const t of tensors) {
      const info = f.tensor(t.name)!;
      assert.equal(info.dtype, t.dtype);
      assert.deepEqual(info.shape, t.shape);
      assert.deepEqual(await f.readTensor(t.name), t.data);
    }
    await f.close();
    assert.deepEqual((await readdir(dir)).sort(), ['all.safetensors'], 'no temporary file left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unfinished write leaves no file; an incomplete tensor is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'st-'));
  try {
    const path = join(dir, 'x.safetensors');
    const w = await SafetensorsWriter.create(path, [{ name: 'a', dtype: 'F32', shape: [4] }]);
    await w.write('a', 0, new Uint8Array(8));
    await assert.rejects(w.finish(), /got 8 of its 16 bytes/);
    assert.deepEqual(await readdir(dir), []);
    assert.throws(
      () =>
        encodeHeader([
          { name: 'a', dtype: 'U8', shape: [1] },
          { name: 'a', dtype: 'U8', shape: [1] },
        ]),
      /listed twice/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const py = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
test('cross-check: numpy reads what we write, and we read what a Python writer lays out', {
  skip: py.status !== 0 ? 'python3 with numpy not available' : false,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'st-'));
  try {
    const path = join(dir, 'ours.safetensors');
    const vals = Float32Array.from([1.5, -2, 3.25, 0]);
    await writeSafetensors(path, [
      { name: 'w', dtype: 'F32', shape: [2, 2], data: new Uint8Array(vals.buffer) },
      { name: 'h', dtype: 'F16', shape: [2], data: new Uint8Array(Uint16Array.from([0x3c00, 0xc000]).buffer) },
    ]);
    const script = `
import json, struct, sys, numpy as np
d = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', d[:8])[0]
h = json.loads(d[8:8+n]); base = 8 + n
def arr(k, dt):
    a, b = h[k]['data_offsets']; return np.frombuffer(d[base+a:base+b], dtype=dt).reshape(h[k]['shape']).tolist()
print(json.dumps({'w': arr('w', '<f4'), 'h': arr('h', '<f2'), 'pad': (8 + n) % 8}))
# a file laid out the way the Python library does it (header first, sorted keys, space padding)
x = np.arange(6, dtype='<f8').reshape(2, 3); hdr = json.dumps({'x': {'dtype': 'F64', 'shape': [2, 3], 'data_offsets': [0, 48]}}).encode()
hdr += b' ' * ((8 - len(hdr) % 8) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(hdr)) + hdr + x.tobytes())
`;
    await writeFile(join(dir, 'check.py'), script);
    const out = spawnSync('python3', [join(dir, 'check.py'), path, join(dir, 'theirs.safetensors')], {
      encoding: 'utf8',
    });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), {
      w: [
        [1.5, -2],
        [3.25, 0],
      ],
      h: [1, -2],
      pad: 0,
    });
    const f = await openSafetensors(join(dir, 'theirs.safetensors'));
    assert.deepEqual(Array.from(new Float64Array((await f.readTensor('x')).buffer)), [0, 1, 2, 3, 4, 5]);
    await f.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
