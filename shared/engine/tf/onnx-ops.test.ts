// Parity: every operator the tfjs interpreter supports, run on both engines with random inputs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrtEngine } from '../ort/ort-engine.ts';
import { loadTf } from './tf-backend.ts';
import { supportedOps } from './onnx-ops.ts';
import { compareEngines } from '../parity.ts';
import { mulberry32 } from '../../random/prng.ts';
import { OP_CASES, buildOpCase, caseLabel } from './op-cases.fixture.ts';

const ort = new OrtEngine();
after(() => ort.close());

test('every supported operator has a parity case', () => {
  const covered = new Set(
    OP_CASES.flatMap((c) => [
      c.op,
      ...(c.build ? buildOpCase(c, mulberry32(0)).model.graph.node.map((n) => n.opType) : []),
    ]),
  );
  assert.deepEqual(
    supportedOps().filter((op) => !covered.has(op)),
    [],
  );
});

test('operators agree between onnxruntime and tfjs (relative 1e-5)', async () => {
  const tf = await loadTf();
  const rand = mulberry32(1234);
  const failures: string[] = [];
  for (const c of OP_CASES) {
    const { model, feeds } = buildOpCase(c, rand);
    try {
      const results = await compareEngines(tf, ort, model, feeds);
      for (const r of results)
        if (!(r.maxRel < 1e-5))
          failures.push(`${caseLabel(c)}: output ${r.output} differs by ${r.maxAbs} (rel ${r.maxRel})`);
    } catch (e) {
      failures.push(`${caseLabel(c)}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  assert.deepEqual(failures, []);
});
