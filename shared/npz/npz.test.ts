import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpz, parseNpzAsync, serializeNpz, loadNpy, NpzError } from './npz.ts';
import { parseNpy, serializeNpy, toFloat64 } from './npy.ts';
import { crc32, crc32Table } from './crc32.ts';

const FIX = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'fid');

/** A .npy file written by hand: any version, dtype and order. */
function npyBytes(version: number, descr: string, fortran: boolean, shape: number[], payload: Uint8Array): Uint8Array {
  const s = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${s}, }\n`;
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + dict.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, dict.length, true);
  else dv.setUint32(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), pre);
  out.set(payload, pre + dict.length);
  return out;
}

test('crc32 of a known string', () => {
  const bytes = new TextEncoder().encode('123456789');
  assert.equal(crc32(bytes), 0xcbf43926);
  assert.equal(crc32Table(bytes), 0xcbf43926);
  const big = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
  assert.equal(crc32(big), crc32Table(big));
  assert.equal(crc32(big.subarray(500), crc32(big.subarray(0, 500))), crc32(big));
});

test('every fixture file loads (stored and deflated members)', async () => {
  const files = readdirSync(FIX).filter((f) => f.endsWith('.npz') && !f.startsWith('d2048'));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const m = parseNpz(readFileSync(join(FIX, f)), f);
    const mu = m.get('mu')!;
    const sigma = m.get('sigma')!;
    const d = mu.shape[0];
    assert.deepEqual(sigma.shape, [d, d], f);
    const s = toFloat64(sigma);
    // a covariance: symmetric with a non-negative diagonal
    for (let i = 0; i < d; i++) {
      assert.ok(s[i * d + i] >= 0);
      assert.equal(s[i * d + (d - 1 - i)], s[(d - 1 - i) * d + i]);
    }
  }
  const feats = await loadNpy(join(FIX, 'd16_n500_a_features.npy'));
  assert.equal(feats.dtype, '<f4');
  assert.deepEqual(feats.shape, [500, 16]);
  assert.ok(feats.data instanceof Float32Array);
});

test('Fortran order, big-endian f8 and header versions 2 and 3', () => {
  // the 2×3 matrix [[1,2,3],[4,5,6]] in column-major order, big-endian
  const be = new Uint8Array(48);
  const dv = new DataView(be.buffer);
  [1, 4, 2, 5, 3, 6].forEach((v, i) => dv.setFloat64(i * 8, v, false));
  for (const version of [1, 2, 3]) {
    const a = parseNpy(npyBytes(version, '>f8', true, [2, 3], be));
    assert.deepEqual(Array.from(a.data as Float64Array), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(a.shape, [2, 3]);
  }
  const le = new Uint8Array(new Float32Array([1, 4, 2, 5, 3, 6]).buffer);
  assert.deepEqual(Array.from(parseNpy(npyBytes(1, '<f4', true, [2, 3], le)).data as Float32Array), [1, 2, 3, 4, 5, 6]);
  const i8 = parseNpy(npyBytes(1, '<i8', false, [2], new Uint8Array(new BigInt64Array([7n, -3n]).buffer)));
  assert.deepEqual(Array.from(toFloat64(i8)), [7, -3]);
  const u1 = parseNpy(npyBytes(1, '|u1', false, [3], Uint8Array.from([0, 128, 255])));
  assert.deepEqual(Array.from(u1.data as Uint8Array), [0, 128, 255]);
});

test('write then read: stored and compressed, all dtypes, scalars', () => {
  const arrays = {
    a: { shape: [2, 2], data: Float64Array.from([1.5, -2, 3e-300, Math.PI]) },
    b: { shape: [3], data: Float32Array.from([1, 2, 3]) },
    n: { shape: [], data: BigInt64Array.of(5000n) },
    c: { shape: [2], data: Int32Array.from([-1, 2]) },
  };
  for (const compress of [false, true]) {
    const m = parseNpz(serializeNpz(arrays, compress));
    assert.deepEqual(Array.from(m.get('a')!.data as Float64Array), [1.5, -2, 3e-300, Math.PI]);
    assert.deepEqual(m.get('n')!.shape, []);
    assert.equal(m.get('n')!.data[0], 5000n);
    assert.deepEqual(Array.from(m.get('c')!.data as Int32Array), [-1, 2]);
  }
  // header padded to 64 bytes as numpy does
  const npy = serializeNpy(arrays.a);
  assert.equal((npy.length - 32) % 64, 0);
});

test('a corrupt or truncated zip is an error naming the file', () => {
  const good = readFileSync(join(FIX, 'd16_n500_b.npz'));
  const flipped = Uint8Array.from(good);
  flipped[200] ^= 0xff;
  assert.throws(
    () => parseNpz(flipped, 'x.npz'),
    (e: Error) => e instanceof NpzError && /x\.npz/.test(e.message),
  );
  assert.throws(
    () => parseNpz(good.subarray(0, good.length - 30), 'y.npz'),
    (e: Error) => e instanceof NpzError && /y\.npz/.test(e.message),
  );
  const stored = Uint8Array.from(readFileSync(join(FIX, 'd16_n500_a.npz')));
  stored[300] ^= 1;
  assert.throws(() => parseNpz(stored, 'z.npz'), /z\.npz.*CRC mismatch/);
});

test('a member that inflates past its declared size is refused without inflating it all', () => {
  // 64 MB of zeros deflates to ~64 KB; the central directory then claims 784 bytes
  const buf = serializeNpz({ big: { shape: [16 * 1024 * 1024], data: new Float32Array(16 * 1024 * 1024) } }, true);
  assert.ok(buf.length < 200_000);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let cd = -1;
  for (let i = buf.length - 22; i >= 0; i--)
    if (dv.getUint32(i, true) === 0x02014b50) {
      cd = i;
      break;
    }
  assert.ok(cd > 0);
  dv.setUint32(cd + 24, 784, true);
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(
    () => parseNpz(buf, 'bomb.npz'),
    (e: Error) =>
      e instanceof NpzError &&
      /bomb\.npz: member 'big\.npy': inflates past its declared size of 784 bytes/.test(e.message),
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'the inflate stopped early');
});

test('declared sizes over the limit are refused before inflating', () => {
  const buf = serializeNpz({ a: { shape: [1000], data: new Float64Array(1000) } }, true);
  assert.throws(
    () => parseNpz(buf, 'big.npz', { maxBytes: 4000 }),
    (e: Error) => e instanceof NpzError && /declares \d+ bytes, more than the limit of 4000/.test(e.message),
  );
  assert.equal(parseNpz(buf, 'big.npz', { maxBytes: 9000 }).get('a')!.shape[0], 1000);
});

test("parseNpzAsync (members inflated off the event loop) gives parseNpz's arrays and its errors", async () => {
  for (const name of ['d16_n500_a.npz', 'd16_n500_b.npz', 'd64_n2000_b.npz']) {
    const bytes = readFileSync(join(FIX, name));
    const sync = parseNpz(bytes, name);
    const asyncArrays = await parseNpzAsync(bytes, name);
    assert.deepEqual([...asyncArrays.keys()], [...sync.keys()]);
    for (const [k, v] of sync) assert.deepEqual(asyncArrays.get(k), v, `${name}: ${k}`);
  }
  const compressed = serializeNpz(
    { a: { shape: [3, 2], data: Float64Array.of(1, 2, 3, 4, 5, 6) }, b: { shape: [2], data: Int32Array.of(7, 8) } },
    true,
  );
  const back = await parseNpzAsync(compressed, 'c.npz');
  assert.deepEqual([...(back.get('a')!.data as Float64Array)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...(back.get('b')!.data as Int32Array)], [7, 8]);
  // the same messages for a corrupt deflate stream, a CRC mismatch and a size over the bound
  const good = readFileSync(join(FIX, 'd16_n500_b.npz'));
  const flipped = Uint8Array.from(good);
  flipped[200] ^= 0xff;
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  const asyncMessage = async (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (err: Error) => err.message,
    );
  assert.equal(
    await asyncMessage(parseNpzAsync(flipped, 'x.npz')),
    message(() => parseNpz(flipped, 'x.npz')),
  );
  const stored = Uint8Array.from(readFileSync(join(FIX, 'd16_n500_a.npz')));
  stored[300] ^= 1;
  assert.match(await asyncMessage(parseNpzAsync(stored, 'z.npz')), /z\.npz.*CRC mismatch/);
  assert.match(
    await asyncMessage(parseNpzAsync(compressed, 'big.npz', { maxBytes: 40 })),
    /declares \d+ bytes, more than the limit of 40/,
  );
});
