// Per-tensor w rules: first match wins, matched in linear time whatever the pattern.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, parseWRule, wFor, MAX_RULE_PATTERN } from './w-rules.ts';
import { MergeError } from './merge-error.ts';

test('ordered rules: the first match gives w, a multiple of the global w, or the global w', () => {
  const rules = compileRules([parseWRule('^head\\.=0'), parseWRule('^blocks\\.[0-3]\\.=0.5w'), parseWRule('attn=2')]);
  assert.deepEqual(wFor('head.weight', 1.5, rules), { w: 0, rule: 0 });
  assert.deepEqual(wFor('blocks.2.attn.qkv', 1.5, rules), { w: 0.75, rule: 1 });
  assert.deepEqual(wFor('blocks.7.attn.qkv', 1.5, rules), { w: 2, rule: 2 });
  assert.deepEqual(wFor('out.bias', 1.5, rules), { w: 1.5, rule: -1 });
});

test('a pattern that makes a backtracking engine explode is matched in linear time', () => {
  // with RegExp this took 49 s on a short name and held the event loop; here it returns at once
  const rules = compileRules([parseWRule(`^(${'.*'.repeat(14)})Z$=1`)]);
  assert.deepEqual(wFor('a'.repeat(20_000), 0.5, rules), { w: 0.5, rule: -1 });
  assert.deepEqual(wFor(`${'a'.repeat(20_000)}Z`, 0.5, rules), { w: 1, rule: 0 });
});

test('bad patterns are errors naming the rule, shown briefly', () => {
  for (const [text, why] of [
    ['(a=1', /not a valid regular expression/],
    ['(?<=a)b=1', /not a valid regular expression/],
    ['a\u0000b=1', /NUL/],
    [`${'a'.repeat(MAX_RULE_PATTERN + 1)}=1`, /longer than 1000 characters/],
  ] as const) {
    assert.throws(
      () => parseWRule(text),
      (e: Error) => e instanceof MergeError && why.test(e.message) && e.message.length < 400,
      text.slice(0, 20),
    );
  }
});
