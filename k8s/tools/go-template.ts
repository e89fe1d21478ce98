// A renderer for the subset of Go text/template (plus the Sprig functions) that the Helm chart uses, with Helm's
// strict semantics: a missing map key is an error (as `helm lint --strict` / missingkey=error), `eq 1 1.0` is an error
// (int and float64 are different kinds, as in Go), and numbers from YAML values are float64 (printed Go-style, so
// 1000000 prints as 1e+06, the classic surprise that `int` avoids).
// Values: string, number (Go float64), bigint (Go int), boolean, null (nil), arrays, plain objects (maps).
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export class TemplateError extends Error {}

type Value = unknown;
type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe; line: number }
  | { t: 'if' | 'with'; pipe: Pipe; body: Node[]; els: Node[] | null; line: number }
  | { t: 'range'; pipe: Pipe; body: Node[]; els: Node[] | null; line: number }
  | { t: 'template'; name: string; pipe: Pipe | null; line: number };
interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
}
type Cmd = Operand[];
type Operand =
  | { k: 'lit'; v: Value }
  | { k: 'dot'; fields: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'fn'; name: string }
  | { k: 'sub'; pipe: Pipe; fields: string[] };

// ---- lexing: text and {{ actions }} with trim markers ---------------------------------------------------------------

interface RawAction {
  content: string;
  line: number;
}
type Piece = { kind: 'text'; text: string } | { kind: 'action'; a: RawAction };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function lex(src: string, name: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) out.push({ kind: 'text', text });
      break;
    }
    let j = open + 2;
    const trimLeft = src[j] === '-' && isSpace(src[j + 1] ?? '');
    if (trimLeft) {
      j += 1;
      text = text.replace(/[ \t\r\n]+$/, '');
    }
    if (text) out.push({ kind: 'text', text });
    const line = src.slice(0, open).split('\n').length;
    // find the closing }} outside strings and comments
    let k = j;
    let quote: string | null = null;
    while (k < src.length) {
      const c = src[k];
      if (quote) {
        if (c === '\\' && quote === '"') k += 1;
        else if (c === quote) quote = null;
        k += 1;
        continue;
      }
      if (src.startsWith('/*', k)) {
        const end = src.indexOf('*/', k + 2);
        if (end < 0) throw new TemplateError(`${name}:${line}: unclosed comment`);
        k = end + 2;
        continue;
      }
      if (c === '"' || c === '`' || c === "'") {
        quote = c;
        k += 1;
        continue;
      }
      if (src.startsWith('}}', k)) break;
      k += 1;
    }
    if (k >= src.length) throw new TemplateError(`${name}:${line}: unclosed action`);
    let content = src.slice(j, k);
    if (/[ \t\r\n]-$/.test(content)) {
      content = content.slice(0, -1);
      trimNext = true;
    }
    i = k + 2;
    const trimmed = content.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) throw new TemplateError(`${name}:${line}: bad comment`);
      continue;
    }
    out.push({ kind: 'action', a: { content: trimmed, line } });
  }
  return out;
}

// ---- expression tokens and parsing ------------------------------------------------------------------------------------

type Tok = { k: 'str' | 'num' | 'id' | 'field' | 'var' | 'punct'; v: string; adjacent?: boolean };

function tokenize(s: string, where: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(c)) {
      i += 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      toks.push({ k: 'str', v: JSON.parse(s.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      toks.push({ k: 'str', v: s.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (s.startsWith(':=', i)) {
      toks.push({ k: 'punct', v: ':=' });
      i += 2;
      continue;
    }
    if ('()|=,'.includes(c)) {
      toks.push({ k: 'punct', v: c });
      i += 1;
      continue;
    }
    const m =
      /^(-?\d+(\.\d+)?([eE][-+]?\d+)?)|^(\$[A-Za-z0-9_]*)|^((\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|^([A-Za-z_][A-Za-z0-9_]*)/.exec(
        s.slice(i),
      );
    if (!m) throw new TemplateError(`${where}: cannot read '${s.slice(i)}'`);
    if (m[1]) toks.push({ k: 'num', v: m[1] });
    else if (m[4]) toks.push({ k: 'var', v: m[4] });
    else if (m[5]) toks.push({ k: 'field', v: m[5], adjacent: s[i - 1] === ')' });
    else toks.push({ k: 'id', v: m[7] });
    i += m[0].length;
    // a field chain right after a variable or a parenthesis: $x.a.b, (...).a
    const f = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(s.slice(i));
    if (f && (m[4] || m[5])) {
      toks[toks.length - 1].v += f[0];
      i += f[0].length;
    }
  }
  return toks;
}

class ExprParser {
  private i = 0;
  constructor(
    private toks: Tok[],
    private where: string,
  ) {}
  done(): boolean {
    return this.i >= this.toks.length;
  }
  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  pipeline(allowDecl: boolean): Pipe {
    const decl: string[] = [];
    let assign = false;
    if (allowDecl) {
      // $a := / $a = / $i, $v :=
      let j = this.i;
      const names: string[] = [];
      while (this.toks[j]?.k === 'var' && !this.toks[j].v.includes('.')) {
        names.push(this.toks[j].v);
        if (this.toks[j + 1]?.v === ',') {
          j += 2;
          continue;
        }
        j += 1;
        break;
      }
      const op = this.toks[j];
      if (names.length > 0 && op?.k === 'punct' && (op.v === ':=' || op.v === '=')) {
        decl.push(...names);
        assign = op.v === '=';
        this.i = j + 1;
      }
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const cmd: Cmd = [];
      while (!this.done() && !(this.peek()!.k === 'punct' && (this.peek()!.v === '|' || this.peek()!.v === ')'))) {
        cmd.push(this.operand());
      }
      if (cmd.length === 0) throw new TemplateError(`${this.where}: empty command`);
      cmds.push(cmd);
      if (this.peek()?.v === '|' && this.peek()?.k === 'punct') {
        this.i += 1;
        continue;
      }
      break;
    }
    return { decl, assign, cmds };
  }
  private operand(): Operand {
    const t = this.toks[this.i++];
    switch (t.k) {
      case 'str':
        return { k: 'lit', v: t.v };
      case 'num':
        return { k: 'lit', v: /[.eE]/.test(t.v) ? Number(t.v) : BigInt(t.v) };
      case 'field':
        return { k: 'dot', fields: t.v === '.' ? [] : t.v.slice(1).split('.') };
      case 'var': {
        const [name, ...fields] = t.v.split('.');
        return { k: 'var', name, fields };
      }
      case 'id':
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
        if (t.v === 'nil') return { k: 'lit', v: null };
        return { k: 'fn', name: t.v };
      case 'punct':
        if (t.v === '(') {
          const pipe = this.pipeline(false);
          const close = this.toks[this.i++];
          if (close?.v !== ')') throw new TemplateError(`${this.where}: missing ')'`);
          let fields: string[] = [];
          const nxt = this.peek();
          if (nxt?.k === 'field' && nxt.v !== '.' && nxt.adjacent) {
            fields = nxt.v.slice(1).split('.');
            this.i += 1;
          }
          return { k: 'sub', pipe, fields };
        }
    }
    throw new TemplateError(`${this.where}: unexpected '${t.v}'`);
  }
}

function parsePipe(src: string, where: string, allowDecl = true): Pipe {
  const p = new ExprParser(tokenize(src, where), where);
  const pipe = p.pipeline(allowDecl);
  if (!p.done()) throw new TemplateError(`${where}: unexpected text after pipeline`);
  return pipe;
}

// ---- parsing the control structure ------------------------------------------------------------------------------------

export class TemplateSet {
  readonly templates = new Map<string, Node[]>();
  private readonly funcs: Record<string, (...a: any[]) => Value>;

  constructor() {
    this.funcs = makeFuncs(this);
  }

  /** Parses a file; its `define`s are registered, and the file itself under `name`. */
  add(name: string, src: string): void {
    const pieces = lex(src, name);
    let pos = 0;
    const parseList = (stopAt: string[]): { nodes: Node[]; stop: string; a: RawAction | null } => {
      const nodes: Node[] = [];
      while (pos < pieces.length) {
        const p = pieces[pos++];
        if (p.kind === 'text') {
          nodes.push({ t: 'text', text: p.text });
          continue;
        }
        const { content, line } = p.a;
        const where = `${name}:${line}`;
        const word = /^[a-z]+/.exec(content)?.[0] ?? '';
        const rest = content.slice(word.length).trim();
        if (word === 'end' || word === 'else') {
          if (!stopAt.includes(word)) throw new TemplateError(`${where}: unexpected {{${word}}}`);
          return { nodes, stop: word, a: p.a };
        }
        if (word === 'if' || word === 'with' || word === 'range') {
          nodes.push(parseControl(word, rest, line));
          continue;
        }
        if (word === 'define') {
          const tname = JSON.parse(rest) as string;
          const body = parseList(['end']);
          if (body.stop !== 'end') throw new TemplateError(`${where}: define without end`);
          this.templates.set(tname, body.nodes);
          continue;
        }
        if (word === 'template') {
          const m = /^"([^"]+)"\s*(.*)$/.exec(rest);
          if (!m) throw new TemplateError(`${where}: bad template action`);
          nodes.push({ t: 'template', name: m[1], pipe: m[2] ? parsePipe(m[2], where, false) : null, line });
          continue;
        }
        if (word === 'block' || word === 'break' || word === 'continue') {
          throw new TemplateError(`${where}: {{${word}}} is outside the supported subset`);
        }
        nodes.push({ t: 'action', pipe: parsePipe(content, where), line });
      }
      if (stopAt.length > 0) throw new TemplateError(`${name}: missing {{end}}`);
      return { nodes, stop: '', a: null };
    };
    const parseControl = (word: 'if' | 'with' | 'range', rest: string, line: number): Node => {
      const where = `${name}:${line}`;
      const pipe = parsePipe(rest, where);
      const body = parseList(['end', 'else']);
      let els: Node[] | null = null;
      if (body.stop === 'else') {
        const elseRest = body.a!.content.slice(4).trim();
        if (elseRest.startsWith('if ') || elseRest.startsWith('with ')) {
          const w = elseRest.startsWith('if ') ? 'if' : 'with';
          // {{else if x}} ... {{end}}: one shared end
          els = [parseControl(w, elseRest.slice(w.length).trim(), body.a!.line)];
        } else {
          const e = parseList(['end']);
          els = e.nodes;
        }
      }
      if (word === 'range') return { t: 'range', pipe, body: body.nodes, els, line };
      return { t: word, pipe, body: body.nodes, els, line };
    };
    const top = parseList([]);
    this.templates.set(name, top.nodes);
  }

  /** Executes a named template with `data` as dot (and $). */
  execute(name: string, data: Value): string {
    const nodes = this.templates.get(name);
    if (!nodes) throw new TemplateError(`no template named "${name}"`);
    const scope: Scope = { vars: new Map([['$', data]]), parent: null };
    return this.run(nodes, data, scope, name);
  }

  private run(nodes: Node[], dot: Value, scope: Scope, tname: string): string {
    let out = '';
    for (const n of nodes) {
      const where = `${tname}${'line' in n ? `:${n.line}` : ''}`;
      switch (n.t) {
        case 'text':
          out += n.text;
          break;
        case 'action': {
          const v = this.evalPipe(n.pipe, dot, scope, where);
          if (n.pipe.decl.length === 0) out += printValue(v, where);
          break;
        }
        case 'if':
        case 'with': {
          const inner: Scope = { vars: new Map(), parent: scope };
          const v = this.evalPipe(n.pipe, dot, inner, where);
          if (truthy(v)) out += this.run(n.body, n.t === 'with' ? v : dot, inner, tname);
          else if (n.els) out += this.run(n.els, dot, inner, tname);
          break;
        }
        case 'range': {
          const inner: Scope = { vars: new Map(), parent: scope };
          const v = this.evalPipe({ ...n.pipe, decl: [] }, dot, inner, where);
          const entries: [Value, Value][] = Array.isArray(v)
            ? v.map((x, i) => [BigInt(i), x])
            : isMap(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => [k, v[k]])
              : v === null || v === undefined
                ? []
                : fail(`${where}: range over ${kindOf(v)}`);
          if (entries.length === 0) {
            if (n.els) out += this.run(n.els, dot, inner, tname);
            break;
          }
          for (const [k, x] of entries) {
            const it: Scope = { vars: new Map(), parent: inner };
            if (n.pipe.decl.length === 1) it.vars.set(n.pipe.decl[0], x);
            if (n.pipe.decl.length === 2) {
              it.vars.set(n.pipe.decl[0], k);
              it.vars.set(n.pipe.decl[1], x);
            }
            out += this.run(n.body, x, it, tname);
          }
          break;
        }
        case 'template': {
          const d = n.pipe ? this.evalPipe(n.pipe, dot, scope, where) : null;
          out += this.execute(n.name, d);
          break;
        }
      }
    }
    return out;
  }

  private evalPipe(pipe: Pipe, dot: Value, scope: Scope, where: string): Value {
    let v: Value = undefined;
    let has = false;
    for (const cmd of pipe.cmds) {
      v = this.evalCmd(cmd, dot, scope, where, has ? [v] : []);
      has = true;
    }
    if (pipe.decl.length > 0) {
      const name = pipe.decl[0];
      if (pipe.assign) {
        let s: Scope | null = scope;
        while (s && !s.vars.has(name)) s = s.parent;
        if (!s) throw new TemplateError(`${where}: undefined variable ${name}`);
        s.vars.set(name, v);
      } else scope.vars.set(name, v);
    }
    return v;
  }

  private evalCmd(cmd: Cmd, dot: Value, scope: Scope, where: string, piped: Value[]): Value {
    const [head, ...args] = cmd;
    if (head.k === 'fn') {
      const fn = this.funcs[head.name];
      if (!fn) throw new TemplateError(`${where}: function "${head.name}" not defined`);
      if (head.name === 'and' || head.name === 'or') {
        const thunks = [...args.map((a) => () => this.evalOperand(a, dot, scope, where)), ...piped.map((p) => () => p)];
        for (let i = 0; i < thunks.length; i++) {
          const x = thunks[i]();
          if (head.name === 'and' ? !truthy(x) : truthy(x)) return x;
          if (i === thunks.length - 1) return x;
        }
        throw new TemplateError(`${where}: ${head.name} needs arguments`);
      }
      const vals = [...args.map((a) => this.evalOperand(a, dot, scope, where)), ...piped];
      try {
        return fn(...vals);
      } catch (e) {
        if (e instanceof TemplateError && /^(fail|required): /.test(e.message)) throw e;
        throw new TemplateError(`${where}: error calling ${head.name}: ${(e as Error).message}`);
      }
    }
    if (args.length > 0 || piped.length > 0)
      throw new TemplateError(`${where}: can't give arguments to a non-function`);
    return this.evalOperand(head, dot, scope, where);
  }

  private evalOperand(op: Operand, dot: Value, scope: Scope, where: string): Value {
    switch (op.k) {
      case 'lit':
        return op.v;
      case 'dot':
        return fields(dot, op.fields, where);
      case 'var': {
        let s: Scope | null = scope;
        while (s && !s.vars.has(op.name)) s = s.parent;
        if (!s) throw new TemplateError(`${where}: undefined variable ${op.name}`);
        return fields(s.vars.get(op.name), op.fields, where);
      }
      case 'fn': {
        const fn = this.funcs[op.name];
        if (!fn) throw new TemplateError(`${where}: function "${op.name}" not defined`);
        return fn();
      }
      case 'sub':
        return fields(this.evalPipe(op.pipe, dot, scope, where), op.fields, where);
    }
  }
}

interface Scope {
  vars: Map<string, Value>;
  parent: Scope | null;
}

function fail(msg: string): never {
  throw new TemplateError(msg);
}

function fields(v: Value, names: string[], where: string): Value {
  let cur = v;
  let path = '';
  for (const f of names) {
    if (!isMap(cur))
      throw new TemplateError(`${where}: can't evaluate field ${f} in ${kindOf(cur)}${path ? ` (at ${path})` : ''}`);
    if (!Object.prototype.hasOwnProperty.call(cur, f))
      throw new TemplateError(`${where}: map has no entry for key "${f}"${path ? ` (at ${path})` : ''}`);
    cur = cur[f];
    path += `.${f}`;
  }
  return cur;
}

// ---- values: kinds, truth, printing -----------------------------------------------------------------------------------

export function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: Value): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64), as fmt prints a float64. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expStr] = f.toExponential().split('e');
  const exp = Number(expStr);
  // %e form when the exponent is < -4 or >= 6 (Go's precision for the shortest %g), with at least two exponent digits
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

/** fmt's %v of a value (Sprig's strval). */
export function goString(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  return `map[${Object.keys(v as object)
    .sort()
    .map((k) => `${k}:${goString((v as Record<string, Value>)[k])}`)
    .join(' ')}]`;
}

function printValue(v: Value, where: string): string {
  if (v === null || v === undefined) return ''; // Helm replaces "<no value>" with ""
  if (Array.isArray(v) || isMap(v))
    throw new TemplateError(`${where}: prints a ${kindOf(v)} directly (${goString(v).slice(0, 60)}); use toYaml`);
  return goString(v);
}

function toInt(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

function comparable(a: Value, b: Value): void {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) throw new TemplateError(`incompatible types for comparison (${ka} and ${kb})`);
}

function plain(v: Value): Value {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (isMap(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, plain(v[k])]),
    );
  return v;
}

/** Sprig's toYaml: keys sorted, no trailing newline. */
export function toYaml(v: Value): string {
  if (v === null || v === undefined) return 'null';
  return stringify(plain(v), { sortMapEntries: true, lineWidth: 0, indentSeq: true }).replace(/\n$/, '');
}

function goPrintf(format: string, args: Value[]): string {
  let i = 0;
  return (
    format.replace(/%([-+# 0]*\d*(?:\.\d+)?)([sdvqtx%])/g, (_m, _flags: string, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) throw new TemplateError(`printf: missing argument for %${verb}`);
      const a = args[i++];
      switch (verb) {
        case 's':
          if (typeof a !== 'string')
            throw new TemplateError(`printf: %s of ${kindOf(a)} ${goString(a)} (Go prints %!s(...))`);
          return a;
        case 'd':
          if (typeof a !== 'bigint')
            throw new TemplateError(`printf: %d of ${kindOf(a)} ${goString(a)} (Go prints %!d(...)); use int`);
          return a.toString();
        case 'q':
          return JSON.stringify(goString(a));
        case 't':
          return String(a);
        case 'x':
          return typeof a === 'bigint' ? a.toString(16) : Buffer.from(goString(a)).toString('hex');
        default:
          return goString(a);
      }
    }) + (i < args.length ? `%!(EXTRA ${args.slice(i).map(goString).join(', ')})` : '')
  );
}

function deepCopy(v: Value): Value {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)]));
  return v;
}

function emptyV(v: Value): boolean {
  return !truthy(v);
}

function makeFuncs(set: TemplateSet): Record<string, (...a: any[]) => Value> {
  const str = (v: Value): string => goString(v);
  const indent = (n: Value, s: Value): string => {
    const pad = ' '.repeat(Number(toInt(n)));
    return pad + str(s).split('\n').join(`\n${pad}`);
  };
  return {
    include: (name: string, data: Value) => set.execute(name, data),
    toYaml,
    toJson: (v: Value) => JSON.stringify(plain(v)),
    indent,
    nindent: (n: Value, s: Value) => `\n${indent(n, s)}`,
    quote: (...a: Value[]) =>
      a
        .filter((x) => x !== null && x !== undefined)
        .map((x) => JSON.stringify(str(x)))
        .join(' '),
    squote: (...a: Value[]) =>
      a
        .filter((x) => x !== null && x !== undefined)
        .map((x) => `'${str(x)}'`)
        .join(' '),
    default: (d: Value, ...given: Value[]) => (given.length === 0 || emptyV(given[0]) ? d : given[0]),
    empty: emptyV,
    required: (msg: string, v: Value) => {
      if (v === null || v === undefined || v === '') throw new TemplateError(`required: ${msg}`);
      return v;
    },
    fail: (msg: string) => {
      throw new TemplateError(`fail: ${msg}`);
    },
    printf: (f: string, ...a: Value[]) => goPrintf(f, a),
    print: (...a: Value[]) =>
      a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + str(x)).join(''),
    eq: (a: Value, ...bs: Value[]) =>
      bs.some((b) => {
        comparable(a, b);
        return a === b;
      }),
    ne: (a: Value, b: Value) => {
      comparable(a, b);
      return a !== b;
    },
    lt: (a: any, b: any) => {
      comparable(a, b);
      return a < b;
    },
    le: (a: any, b: any) => {
      comparable(a, b);
      return a <= b;
    },
    gt: (a: any, b: any) => {
      comparable(a, b);
      return a > b;
    },
    ge: (a: any, b: any) => {
      comparable(a, b);
      return a >= b;
    },
    not: (a: Value) => !truthy(a),
    and: () => null, // evaluated lazily in evalCmd
    or: () => null,
    dict: (...kv: Value[]) => {
      if (kv.length % 2 !== 0) throw new TemplateError('dict needs key/value pairs');
      const o: Record<string, Value> = {};
      for (let i = 0; i < kv.length; i += 2) o[str(kv[i])] = kv[i + 1];
      return o;
    },
    list: (...a: Value[]) => a,
    get: (m: Value, k: string) => (isMap(m) && Object.prototype.hasOwnProperty.call(m, k) ? m[k] : ''),
    set: (m: Record<string, Value>, k: string, v: Value) => {
      m[k] = v;
      return m;
    },
    hasKey: (m: Value, k: string) => isMap(m) && Object.prototype.hasOwnProperty.call(m, k),
    deepCopy,
    append: (l: Value[], v: Value) => {
      if (!Array.isArray(l)) throw new TemplateError(`append to ${kindOf(l)}`);
      return [...l, v];
    },
    concat: (...ls: Value[][]) =>
      ls.flatMap((l) => {
        if (!Array.isArray(l)) throw new TemplateError(`concat of ${kindOf(l)}`);
        return l;
      }),
    first: (l: Value[]) => (Array.isArray(l) && l.length > 0 ? l[0] : null),
    until: (n: Value) => Array.from({ length: Number(toInt(n)) }, (_, i) => BigInt(i)),
    join: (sep: string, l: Value) => (Array.isArray(l) ? l.map(str).join(sep) : str(l)),
    len: (v: Value) => {
      if (typeof v === 'string' || Array.isArray(v)) return BigInt(v.length);
      if (isMap(v)) return BigInt(Object.keys(v).length);
      throw new TemplateError(`len of ${kindOf(v)}`);
    },
    index: (v: Value, ...keys: Value[]) => {
      let cur = v;
      for (const k of keys) {
        if (Array.isArray(cur)) cur = cur[Number(toInt(k))];
        else if (isMap(cur)) cur = Object.prototype.hasOwnProperty.call(cur, str(k)) ? cur[str(k)] : null;
        else throw new TemplateError(`can't index ${kindOf(cur)}`);
      }
      return cur;
    },
    int: toInt,
    int64: toInt,
    float64: (v: Value) => Number(typeof v === 'bigint' ? v : Number(v)),
    toString: str,
    trunc: (n: Value, s: Value) => {
      const c = Number(toInt(n));
      const x = str(s);
      return c >= 0 && x.length > c ? x.slice(0, c) : x;
    },
    trimSuffix: (suf: string, s: string) => (s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s),
    trimPrefix: (pre: string, s: string) => (s.startsWith(pre) ? s.slice(pre.length) : s),
    trim: (s: string) => s.trim(),
    replace: (o: string, n: string, s: string) => s.split(o).join(n),
    lower: (s: string) => s.toLowerCase(),
    upper: (s: string) => s.toUpperCase(),
    contains: (sub: string, s: string) => str(s).includes(sub),
    hasPrefix: (s: string, pre: string) => s.startsWith(pre),
    hasSuffix: (s: string, suf: string) => s.endsWith(suf),
    b64enc: (s: Value) => Buffer.from(str(s)).toString('base64'),
    sha256sum: (s: Value) => createHash('sha256').update(str(s)).digest('hex'),
    ternary: (a: Value, b: Value, cond: Value) => (truthy(cond) ? a : b),
  };
}
