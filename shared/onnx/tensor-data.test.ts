// External tensor data: only the tensor's byte range is read, the range is checked against the file, and the file
// must lie inside the model's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, type TensorProto } from './onnx-proto.ts';
import { tensorBytes } from './tensor-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'neon-ext-'));
const model = join(dir, 'model.onnx');
const file = Uint8Array.from({ length: 64 }, (_, i) => i);
writeFileSync(join(dir, 'weights.bin'), file);

const ext = (entries: Record<string, string>, dims = [2, 2]): TensorProto => ({
  name: 'w',
  dims,
  dataType: DataType.FLOAT,
  dataLocation: 1,
  externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
});

test("external data: the tensor's range at its offset, or to the end of the file without a length", () => {
  assert.deepEqual(
    tensorBytes(ext({ location: 'weights.bin', offset: '16', length: '16' }), model),
    file.subarray(16, 32),
  );
  assert.deepEqual(tensorBytes(ext({ location: 'weights.bin', offset: '48' }), model), file.subarray(48));
  assert.deepEqual(tensorBytes(ext({ location: 'weights.bin' }, [16]), model), file);
});

test('external data: a range past the end, a size mismatch, and an escaping path are errors naming the tensor', () => {
  assert.throws(
    () => tensorBytes(ext({ location: 'weights.bin', offset: '56', length: '16' }), model),
    /tensor 'w': external data range 56\+16 is outside 'weights.bin' \(64 bytes\)/,
  );
  assert.throws(() => tensorBytes(ext({ location: 'weights.bin', offset: '-4', length: '16' }), model), /outside/);
  assert.throws(
    () => tensorBytes(ext({ location: 'weights.bin', offset: '0', length: '12' }), model),
    /tensor 'w': 12 bytes of data for dims \[2, 2\]/,
  );
  assert.throws(
    () => tensorBytes(ext({ location: '../weights.bin', length: '16' }), model),
    /escapes the model folder/,
  );
  assert.throws(() => tensorBytes(ext({ location: 'weights.bin', length: '16' })), /needs the model's path/);
});
