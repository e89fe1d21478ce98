import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, gridFlag, intFlag, numberListFlag, choiceFlag, UsageError } from './flags.ts';

test('grid start:stop:step is inclusive and exact', () => {
  const f = parseFlags(['--w', '-2:2:0.25'], { string: ['w'] });
  const g = gridFlag(f, 'w')!;
  assert.equal(g.length, 17);
  assert.equal(g[0], -2);
  assert.equal(g[16], 2);
  assert.equal(g[9], 0.25);
});

test('bad input names the flag', () => {
  const f = parseFlags(['--seed', 'abc', '--w', '1:0:0.1', '--zeta', '0.9,,1', '--family', 'gan'], {
    string: ['seed', 'w', 'zeta', 'family'],
  });
  assert.throws(
    () => intFlag(f, 'seed'),
    (e: Error) => e instanceof UsageError && e.message.includes('--seed'),
  );
  assert.throws(
    () => gridFlag(f, 'w'),
    (e: Error) => e instanceof UsageError && e.message.includes('--w'),
  );
  assert.throws(
    () => numberListFlag(f, 'zeta'),
    (e: Error) => e instanceof UsageError && e.message.includes('--zeta'),
  );
  assert.throws(
    () => choiceFlag(f, 'family', ['diffusion', 'ar']),
    (e: Error) => e instanceof UsageError && e.message.includes('--family'),
  );
  assert.throws(() => parseFlags(['--nope'], {}), /unknown flag --nope/);
  assert.throws(() => parseFlags(['--seed'], { string: ['seed'] }), /--seed needs a value/);
});

test('repeated flags collect in order', () => {
  const f = parseFlags(['--rule', 'a=1', '--rule=b=2', 'pos'], { repeated: ['rule'] });
  assert.deepEqual(f.lists.get('rule'), ['a=1', 'b=2']);
  assert.deepEqual(f.positionals, ['pos']);
});

test('an unknown flag suggests the closest known one', () => {
  const spec = { boolean: ['json', 'help'], string: ['model', 'guidance', 'steps'] };
  assert.throws(
    () => parseFlags(['--guidence', '2'], spec),
    (e: Error) => e instanceof UsageError && e.message === 'unknown flag --guidence (did you mean --guidance?)',
  );
  assert.throws(() => parseFlags(['--jsn'], spec), /did you mean --json\?/);
  assert.throws(
    () => parseFlags(['--temperature', '1'], spec),
    (e: Error) => e.message === 'unknown flag --temperature',
  );
});
