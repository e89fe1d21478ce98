// The worker engine's contract: feeds are copied unless the caller moves them; outputs arrive as whole buffers of
// their own; a session with sleeping operator threads computes the same as one with spinning threads.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from './ort-engine.ts';
import { buildMlp } from '../../networks/toy-mlp.ts';
import { encodeModel } from '../../onnx/onnx-proto.ts';
import { f32 } from '../tensor.ts';

const model = encodeModel(
  buildMlp('probe', {
    inputs: [
      { name: 'x', width: 2 },
      { name: 't', width: 1 },
    ],
    hidden: 16,
    blocks: 2,
    outputs: 2,
    seed: 3,
  }),
);
const spinning = new OrtEngine({ threadsPerSession: 2 });
const sleeping = new OrtEngine({ threadsPerSession: 2, spinning: false });
after(() => Promise.all([spinning.close(), sleeping.close()]));

const feeds = () => ({
  x: f32(
    Float32Array.from({ length: 8 }, (_, i) => i / 4 - 1),
    [4, 2],
  ),
  t: f32(new Float32Array([0, 0.25, 0.5, 1]), [4, 1]),
});

test('feeds are copied by default and moved with transfer; outputs are whole buffers', async () => {
  const m = await spinning.load(model);
  const kept = feeds();
  const a = await m.run(kept);
  assert.equal(kept.x.data.length, 8, 'a copied feed stays usable');
  const moved = feeds();
  const b = await m.run(moved, undefined, { transfer: true });
  assert.equal(moved.x.data.length, 0, 'a moved feed is detached here');
  const out = a[m.outputNames[0]].data as Float32Array;
  assert.deepEqual(out, b[m.outputNames[0]].data);
  assert.equal(out.byteOffset, 0);
  assert.equal(out.buffer.byteLength, out.byteLength);
  await m.release();
});

test('sleeping operator threads give the same outputs as spinning ones', async () => {
  const a = await spinning.load(model);
  const b = await sleeping.load(model);
  const ra = await a.run(feeds());
  const rb = await b.run(feeds());
  assert.deepEqual(ra[a.outputNames[0]].data, rb[b.outputNames[0]].data);
  await Promise.all([a.release(), b.release()]);
});
