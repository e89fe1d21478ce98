import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplerSettingsWire, settingsFromWire, settingsToWire } from './sampler-settings.ts';

test('sampler settings: one wire conversion, both ways', () => {
  const wire = { guidance_scale: 2.5, steps: 18, temperature: 0.8, top_k: 4 };
  const s = settingsFromWire(samplerSettingsWire.parse(wire));
  assert.deepEqual(s, { guidanceScale: 2.5, steps: 18, temperature: 0.8, topK: 4 });
  assert.deepEqual(settingsToWire(s), wire);
  assert.deepEqual(settingsFromWire({}), {
    guidanceScale: undefined,
    steps: undefined,
    temperature: undefined,
    topK: undefined,
  });
});

test('the wire form is validated', () => {
  assert.equal(samplerSettingsWire.safeParse({ guidance_scale: -1 }).success, false);
  assert.equal(samplerSettingsWire.safeParse({ steps: 0 }).success, false);
  assert.equal(samplerSettingsWire.safeParse({ temperature: 0 }).success, false);
  assert.equal(samplerSettingsWire.safeParse({ guidance_scale: Infinity }).success, false);
});
