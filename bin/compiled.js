// The compiled copy of the command line, so that a command starts without the TypeScript loader: cli/neon.ts and
// every project file it imports, bundled (one chunk per command, loaded on demand) by the esbuild that tsx itself
// runs on, into node_modules/.cache/neon/cli. The sources stay the one truth: the copy records the size and
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

/** The compiled entry if every input is unchanged, else null. */
function upToDate() {
  let m;
  try {
    m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
  if (!m || typeof m.dir !== 'string' || typeof m.inputs !== 'object' || m.node !== process.versions.modules) return null;
  for (const [rel, [size, mtime]] of Object.entries(m.inputs)) {
    let s;
    try {
      s = statSync(join(ROOT, rel));
    } catch {
      return null;
    }
    if (s.size !== size || s.mtimeMs !== mtime) return null;
  }
  return join(CACHE, m.dir, 'neon.mjs');
}

/** import.meta.url, .dirname and .filename as the source file's own values. */
const importMetaOfSource = {
  name: 'import-meta-of-source',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const values = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
      const text = readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, k) => JSON.stringify(values[k]));
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
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outdir: out,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-inputs',
        setup(b) {
          b.onLoad({ filter: /.*/ }, (args) => {
            before.set(args.path, statSync(args.path));
            return undefined;
          });
        },
      },
      importMetaOfSource,
    ],
  });
  const inputs = {};
  // besides the sources: what shapes their transform (tsconfig.json), the package, and this build itself
  for (const abs of [join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json'), join(import.meta.dirname, 'compiled.js')]) {
    const s = statSync(abs);
    inputs[relative(ROOT, abs)] = [s.size, s.mtimeMs];
  }
  for (const rel of Object.keys(result.metafile.inputs)) {
    const abs = resolve(ROOT, rel);
    const s = before.get(abs) ?? statSync(abs);
    inputs[relative(ROOT, abs)] = [s.size, s.mtimeMs];
  }
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ dir, node: process.versions.modules, inputs }));
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
  return join(out, 'neon.mjs');
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
