// The container image without a Docker engine: the Dockerfile's structure (targets, non-root numeric USER, HEALTHCHECK,
// entrypoint/command, no secrets), .dockerignore, compose.yaml, and the healthcheck script run against real servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');

interface Instr {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  base: string;
  name: string;
  instrs: Instr[];
}

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function parseDockerfile(text: string): { args: Instr[]; stages: Stage[] } {
  const joined = text.replace(/\\\n/g, ' ');
  const instrs: Instr[] = [];
  joined.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(l);
    assert.ok(m, `line ${i + 1}: not an instruction: ${l}`);
    instrs.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: i + 1 });
  });
  const args: Instr[] = [];
  const stages: Stage[] = [];
  for (const ins of instrs) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      assert.ok(m, `FROM ${ins.args}`);
      stages.push({ base: m[1], name: m[2] ?? String(stages.length), instrs: [] });
    } else if (stages.length === 0) {
      assert.equal(ins.op, 'ARG', `only ARG may come before the first FROM (line ${ins.line})`);
      args.push(ins);
    } else stages[stages.length - 1].instrs.push(ins);
  }
  return { args, stages };
}

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const { args: globalArgs, stages } = parseDockerfile(dockerfile);
const stage = (n: string) => {
  const s = stages.find((x) => x.name === n);
  assert.ok(s, `stage ${n}`);
  return s;
};
const last = (s: Stage, op: string) => [...s.instrs].reverse().find((i) => i.op === op);

test('the Dockerfile has a cpu and a gpu target, each a complete runtime image', () => {
  const names = stages.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'stage names are unique');
  const argDefault = (n: string) => globalArgs.find((a) => a.args.startsWith(`${n}=`))?.args.split('=')[1];
  for (const s of stages) {
    const base = s.base.replace(/\$\{(\w+)\}/g, (_m, n: string) => argDefault(n) ?? `<unset ${n}>`);
    const known = names.slice(0, names.indexOf(s.name)).includes(base) || /^[\w./-]+:[\w.-]+$/.test(base);
    assert.ok(known, `${s.name}: base ${base} is an earlier stage or a tagged image`);
  }
  assert.equal(stages[stages.length - 1].name, 'cpu', 'a plain `docker build .` gives the CPU image');
  assert.match(argDefault('NODE_VERSION') ?? '', /^20/);
  assert.match(
    argDefault('CUDA_IMAGE') ?? '',
    /^nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/,
    'a CUDA 12 + cuDNN (9) runtime base',
  );
  // the cpu target derives from node:20-bookworm-slim; the gpu target from the CUDA base
  const chain = (s: Stage): string[] => {
    const b = stages.find((x) => x.name === s.base);
    return b ? [s.base, ...chain(b)] : [s.base];
  };
  assert.ok(chain(stage('cpu')).includes('node:${NODE_VERSION}-bookworm-slim'));
  assert.ok(chain(stage('gpu')).includes('${CUDA_IMAGE}'));
  for (const t of ['cpu', 'gpu']) {
    const s = stage(t);
    const user = last(s, 'USER')?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, `${t}: USER is numeric and not root, so runAsNonRoot can verify it`);
    assert.ok(
      s.instrs.findIndex((i) => i.op === 'USER') > s.instrs.findIndex((i) => i.op === 'RUN'),
      `${t}: USER comes after the last RUN as root`,
    );
    assert.match(last(s, 'HEALTHCHECK')?.args ?? '', /CMD \["node", "bin\/healthcheck\.js"\]/, `${t}: HEALTHCHECK`);
    assert.deepEqual(JSON.parse(last(s, 'ENTRYPOINT')!.args), ['/usr/local/bin/tini', '--', 'node', 'bin/neon.js']);
    assert.deepEqual(JSON.parse(last(s, 'CMD')!.args), ['serve', '--service', 'all']);
    assert.match(
      s.instrs
        .filter((i) => i.op === 'ENV')
        .map((i) => i.args)
        .join(' '),
      /NEON_HOME=\/data/,
    );
    assert.ok(
      s.instrs.some((i) => i.op === 'EXPOSE' && i.args === '8080'),
      `${t}: EXPOSE 8080`,
    );
    assert.ok(
      s.instrs.some((i) => i.op === 'COPY' && /datasets\/fashion-mnist/.test(i.args)),
      `${t}: Fashion-MNIST`,
    );
  }
  assert.match(
    stage('deps-gpu')
      .instrs.map((i) => i.args)
      .join('\n'),
    /ONNXRUNTIME_NODE_INSTALL=cuda12/,
  );
  assert.match(
    stage('deps-gpu')
      .instrs.map((i) => i.args)
      .join('\n'),
    /@tensorflow\/tfjs-node-gpu@\$\{TFJS_VERSION\}"\s*\|\|/,
    'tfjs-node-gpu is optional',
  );
  assert.match(
    stage('deps-cpu')
      .instrs.map((i) => i.args)
      .join('\n'),
    /ONNXRUNTIME_NODE_INSTALL=skip[\s\S]*npm ci --omit=dev/,
  );
  assert.match(
    stage('debian-assets')
      .instrs.map((i) => i.args)
      .join('\n'),
    /dataset-fashion-mnist/,
  );
});

test('the Dockerfile carries no secrets, and the build context leaves them out', () => {
  for (const s of stages) {
    for (const i of s.instrs.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
      assert.doesNotMatch(i.args, /(TOKEN|PASSWORD|SECRET|DATABASE_URL|API_KEY)\s*=/i, `${s.name}: ${i.op} ${i.args}`);
    }
  }
  assert.doesNotMatch(dockerfile, /postgres(ql)?:\/\/[^\s]*:[^\s]*@/i);
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['.git', '**/node_modules', '.neon', '.env', '.env.*'])
    assert.ok(ignore.includes(p), `.dockerignore has ${p}`);
  assert.ok(!ignore.includes('bin') && !ignore.includes('.npmrc'), 'the image needs bin/ and .npmrc');
});

test('compose.yaml: Postgres with a healthcheck, migrations before the all-in-one service', () => {
  const c = parse(readFileSync(join(root, 'infra', 'compose.yaml'), 'utf8'), { merge: true });
  const s = c.services;
  assert.ok(s.postgres.healthcheck.test.join(' ').includes('pg_isready'));
  assert.deepEqual(s.migrate.command, ['db', 'migrate']);
  assert.equal(s.migrate.depends_on.postgres.condition, 'service_healthy');
  assert.deepEqual(s.neon.command, ['serve', '--service', 'all']);
  assert.equal(s.neon.depends_on.migrate.condition, 'service_completed_successfully');
  assert.equal(s.neon.build.target, 'cpu');
  assert.equal(s['neon-gpu'].build.target, 'gpu');
  assert.equal(s['neon-gpu'].deploy.resources.reservations.devices[0].driver, 'nvidia');
  for (const n of ['migrate', 'neon', 'neon-gpu'])
    assert.match(s[n].environment.DATABASE_URL, /^postgres:\/\/neon:neon@postgres:5432\/neon$/);
  assert.equal(s.neon.environment.NEON_HOME, '/data');
});

async function healthcheck(url: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'healthcheck.js'), url], {
      env: { ...process.env, NEON_HEALTHCHECK_TIMEOUT_MS: '2000' },
    });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

test('bin/healthcheck.js exits 0 on a 2xx live route, 1 on an error status or no server', async () => {
  let status = 200;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.statusCode = status;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const url = `http://127.0.0.1:${port}/v2/health/live`;
    assert.equal((await healthcheck(url)).code, 0);
    status = 503;
    const bad = await healthcheck(url);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /answered 503/);
    assert.deepEqual(seen, ['/v2/health/live', '/v2/health/live']);
  } finally {
    await new Promise((r) => server.close(r));
  }
  const gone = await healthcheck(`http://127.0.0.1:${port}/v2/health/live`);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /unreachable/);
});
