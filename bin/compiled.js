// The compiled copy of the command line, so that a command starts without the TypeScript loader: cli/neon.ts and
// every project file it imports, each transformed to JavaScript on its own (as tsx does, same module structure) by
// the esbuild that tsx itself runs on, into node_modules/.cache/neon/cli. The sources stay the one truth: the copy records the size and
// modification time of every file it was built from and is used only while all of them still match; otherwise it
// is rebuilt first, and where it cannot be (no esbuild, a read-only install) the caller runs the sources through tsx.
// import.meta.url/dirname/filename keep the values of the source file they appear in, so paths resolve as under tsx.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const ENTRY = join(ROOT, 'cli', 'neon.ts');
const CACHE = join(ROOT, 'node_modules', '.cache', 'neon', 'cli');
const MANIFEST = join(CACHE, 'manifest.json');
/** Copies not in use are removed once older than this (a running command may still load chunks from its copy). */
const STALE_MS = 3600_000;
/** The layout of the copy; a manifest of another layout is stale. */
const LAYOUT = 2;

/** The compiled entry if every input is unchanged, else null. */
function upToDate() {
  let m;
  try {
    m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
  if (
    !m ||
    typeof m.dir !== 'string' ||
    typeof m.inputs !== 'object' ||
    m.node !== process.versions.modules ||
    m.layout !== LAYOUT
  )
    return null;
  for (const [rel, [size, mtime]] of Object.entries(m.inputs)) {
    let s;
    try {
      s = statSync(join(ROOT, rel));
    } catch {
      return null;
    }
    if (s.size !== size || s.mtimeMs !== mtime) return null;
  }
  return join(CACHE, m.dir, 'cli', 'neon.mjs');
}

/** import.meta.url, .dirname and .filename as the source file's own values. */
const importMetaOfSource = {
  name: 'import-meta-of-source',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const values = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
      const text = readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, k) =>
        JSON.stringify(values[k]),
      );
      return { contents: text, loader: 'ts' };
    });
  },
};

async function build() {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  const esbuild = fromTsx('esbuild');
  const dir = `${Date.now().toString(36)}-${process.pid}`;
  const out = join(CACHE, dir);
  // sizes and times are taken before the build: a file edited meanwhile makes the copy stale, never wrong
  const before = new Map();
  const recordInputs = {
    name: 'record-inputs',
    setup(b) {
      b.onLoad({ filter: /.*/ }, (args) => {
        before.set(args.path, statSync(args.path));
        return undefined;
      });
    },
  };
  const common = {
    absWorkingDir: ROOT,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'silent',
  };
  // 1. the project files cli/neon.ts reaches (static and dynamic imports; packages stay outside)
  const graph = await esbuild.build({
    ...common,
    entryPoints: [ENTRY],
    bundle: true,
    packages: 'external',
    write: false,
    metafile: true,
    plugins: [recordInputs],
  });
  const sources = Object.keys(graph.metafile.inputs).map((rel) => resolve(ROOT, rel));
  // 2. each file transformed on its own, as tsx does (not bundled: a bundle turns module-level const into var,
  //    which costs the merge kernel's fixed blocks half their speed), relative imports of .ts renamed to .mjs
  const files = await esbuild.build({
    ...common,
    entryPoints: sources,
    outbase: ROOT,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: false,
    write: false,
    plugins: [importMetaOfSource],
  });
  for (const f of files.outputFiles) {
    const text = f.text.replace(/((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g, '$1$2$3.mjs$2');
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, text);
  }
  const inputs = {};
  // besides the sources: what shapes their transform (tsconfig.json), the package, and this build itself
  for (const abs of [
    join(ROOT, 'tsconfig.json'),
    join(ROOT, 'package.json'),
    join(import.meta.dirname, 'compiled.js'),
  ]) {
    const s = statSync(abs);
    inputs[relative(ROOT, abs)] = [s.size, s.mtimeMs];
  }
  for (const rel of Object.keys(graph.metafile.inputs)) {
    const abs = resolve(ROOT, rel);
    const s = before.get(abs) ?? statSync(abs);
    inputs[relative(ROOT, abs)] = [s.size, s.mtimeMs];
  }
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ layout: LAYOUT, dir, node: process.versions.modules, inputs }));
  renameSync(tmp, MANIFEST);
  for (const name of readdirSync(CACHE)) {
    const p = join(CACHE, name);
    if (name === dir || name === 'manifest.json') continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // another process removed it
    }
  }
  return join(out, 'cli', 'neon.mjs');
}

/** cli/neon.ts's main from the compiled copy (built first when stale), or null where it cannot be had. */
export async function compiledMain() {
  let entry = upToDate();
  if (!entry) {
    try {
      mkdirSync(CACHE, { recursive: true });
      entry = await build();
    } catch {
      return null;
    }
  }
  return (await import(pathToFileURL(entry).href)).main;
}
