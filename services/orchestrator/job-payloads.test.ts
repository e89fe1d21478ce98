import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentJobError } from '../../shared/jobs/job-queue.ts';
import { parsePayload, TrialJobPayload } from './job-payloads.ts';

const trial = {
  run_id: 'r1',
  trial_key: 'select:s20:w1:c3',
  phase: 'select',
  snapshot: { step: 20, artifact: 'abc' },
  w: 1,
  cfg: 3,
  seeds: { first: 100, count: 8 },
};

test('a Neon job payload parses to its typed shape', () => {
  const p = parsePayload(TrialJobPayload, trial, 'neon.trial');
  assert.deepEqual(p.seeds, { first: 100, count: 8 });
  assert.equal(parsePayload(TrialJobPayload, { ...trial, snapshot: null }, 'neon.trial').snapshot, null);
});

test('a payload that does not parse fails the job permanently, naming the field', () => {
  assert.throws(
    () => parsePayload(TrialJobPayload, { ...trial, seeds: { first: -1, count: 8 } }, 'neon.trial'),
    (err: unknown) => err instanceof PermanentJobError && /neon\.trial payload: seeds\.first/.test(err.message),
  );
  assert.throws(() => parsePayload(TrialJobPayload, { ...trial, w: 'one' }, 'neon.trial'), /payload: w:/);
});
