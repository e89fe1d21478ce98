// Pins the Go text/template + Sprig semantics the chart relies on (as Helm executes them with --strict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateSet, goFloat, toYaml } from './go-template.ts';

function render(src: string, data: unknown, partials: Record<string, string> = {}): string {
  const set = new TemplateSet();
  for (const [n, s] of Object.entries(partials)) set.add(n, s);
  set.add('t', src);
  return set.execute('t', data);
}

test('trim markers remove the whitespace on their side only', () => {
  assert.equal(render('a  {{- "b" -}}  c', {}), 'abc');
  assert.equal(render('a  {{ "b" }}  c', {}), 'a  b  c');
  assert.equal(render('x\n  {{- /* note */ -}}\n  y', {}), 'xy');
  assert.equal(render('{{ 3 -}} {{- -4 }}', {}), '3-4'); // "-4" is a number, "- " a trim marker
});

test('a missing map key is an error, as helm lint --strict renders it', () => {
  assert.throws(() => render('{{ .Values.nope }}', { Values: { a: 1 } }), /no entry for key "nope"/);
  assert.equal(render('{{ .Values.a }}', { Values: { a: 1 } }), '1');
  // index and get tolerate missing keys
  assert.equal(render('{{ index .Values "nope" }}|{{ get .Values "nope" | default "d" }}', { Values: {} }), '|d');
});

test('YAML numbers are float64: 1000000 prints as 1e+06 unless passed through int', () => {
  assert.equal(render('{{ .n }} {{ int .n }} {{ .f }}', { n: 1000000, f: 0.5 }), '1e+06 1000000 0.5');
  assert.equal(goFloat(50000), '50000');
  assert.equal(goFloat(123456), '123456');
  assert.equal(goFloat(1234567), '1.234567e+06');
  assert.equal(goFloat(0.00001), '1e-05');
  assert.throws(() => render('{{ printf "%d" .n }}', { n: 8 }), /use int/);
  assert.equal(render('{{ printf "%s-%d" "a" (int .n) }}', { n: 8 }), 'a-8');
});

test('eq of an int literal and a float64 value is an error, as in Go', () => {
  assert.throws(() => render('{{ if eq .r 1 }}y{{ end }}', { r: 1 }), /incompatible types/);
  assert.equal(render('{{ if eq (int .r) 1 }}y{{ end }}', { r: 1 }), 'y');
  assert.equal(render('{{ if gt (int .g) 0 }}gpu{{ else }}cpu{{ end }}', { g: 0 }), 'cpu');
});

test('control structures: if / else if / else, with, range over lists and sorted maps, variables', () => {
  const src = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
  assert.equal(render(src, { a: false, b: 1 }), 'B');
  assert.equal(render(src, { a: '', b: 0 }), 'C');
  assert.equal(render('{{ with .m }}{{ .x }}{{ else }}none{{ end }}', { m: {} }), 'none');
  assert.equal(render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: '2', a: '1' } }), 'a=1;b=2;');
  assert.equal(render('{{ range $i, $v := .l }}{{ $i }}{{ $v }}{{ end }}', { l: ['x', 'y'] }), '0x1y');
  assert.equal(
    render('{{ $s := list }}{{ range .l }}{{ $s = append $s . }}{{ end }}{{ join "," $s }}', { l: ['p', 'q'] }),
    'p,q',
  );
  assert.equal(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty');
});

test('define / include pass a dict as dot; $ inside the define is that dict', () => {
  const partials = { p: '{{- define "hello" -}}{{ .name }}@{{ $.root.zone }}{{- end -}}' };
  assert.equal(render('{{ include "hello" (dict "name" "n1" "root" .) }}', { zone: 'z' }, partials), 'n1@z');
  assert.throws(() => render('{{ include "nope" . }}', {}), /no template named/);
});

test('and / or short-circuit and return their operands', () => {
  assert.equal(render('{{ and .a .missing.deep }}', { a: false, missing: null }), 'false');
  assert.equal(render('{{ or .a "fallback" }}', { a: '' }), 'fallback');
  assert.throws(() => render('{{ and true .x.y }}', { x: null }), /can't evaluate field y in nil/);
});

test('Sprig functions the chart uses', () => {
  assert.equal(render('{{ "abcdef-" | trunc 7 | trimSuffix "-" }}', {}), 'abcdef');
  assert.equal(render('{{ list "a" 1 | toYaml | nindent 2 }}', {}), '\n  - a\n  - 1');
  assert.equal(
    render('{{ default "d" "" }}|{{ default "d" "v" }}|{{ "x" | quote }}|{{ 8080 | toString | quote }}', {}),
    'd|v|"x"|"8080"',
  );
  assert.equal(render('{{ b64enc "postgres://x" }}', {}), Buffer.from('postgres://x').toString('base64'));
  assert.equal(render('{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ toYaml $d }}', {}), 'a: 1\nb: 2');
  assert.equal(render('{{ ternary "x" "y" true }}{{ len (until 3) }}{{ contains "ne" "neon" }}', {}), 'x3true');
  assert.throws(() => render('{{ fail "values.x: broken" }}', {}), /values\.x: broken/);
  assert.throws(() => render('{{ .m }}', { m: { a: 1 } }), /use toYaml/);
});

test('toYaml sorts keys and has no trailing newline', () => {
  assert.equal(toYaml({ b: 1, a: { d: 'x', c: [1n, 2] } }), 'a:\n  c:\n    - 1\n    - 2\n  d: x\nb: 1');
  assert.equal(toYaml({}), '{}');
});
