// The Helm chart without helm: values validated against values.schema.json, templates rendered (tools/helm-render.ts)
// and the output validated as Kubernetes objects (tools/k8s-validate.ts), for the defaults and every example file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { loadChart, mergeValues, renderChart } from './tools/helm-render.ts';
import { isKnativeService, podTemplateOf, validateManifests, recommendedLabels } from './tools/k8s-validate.ts';
import type { K8sObject } from './tools/k8s-validate.ts';

const here = import.meta.dirname;
const chart = loadChart(join(here, 'neon'));
const schema = JSON.parse(readFileSync(join(here, 'neon', 'values.schema.json'), 'utf8'));
const validateValues = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
const examples = readdirSync(join(here, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const example = (f: string) => parse(readFileSync(join(here, 'examples', f), 'utf8')) as Record<string, unknown>;
const creds = { auth: { apiTokens: ['test-token-0123456789'] }, database: { url: 'postgres://neon:pw@db:5432/neon' } };
const splitServices = ['sampler', 'selftrain', 'merge', 'fid', 'orchestrator'];

function schemaErrors(values: Record<string, unknown>): string[] {
  return validateValues(values)
    ? []
    : (validateValues.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
function objects(overrides: Record<string, unknown>[]): K8sObject[] {
  return renderChart(chart, overrides).manifests.map((m) => m.doc as K8sObject);
}
function find(objs: K8sObject[], kind: string, name: string): any {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} rendered (have ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
  return o;
}
function externals(values: Record<string, any>) {
  return {
    secrets: values.auth?.existingSecret ? [values.auth.existingSecret] : [],
    claims: values.persistence?.existingClaim ? [values.persistence.existingClaim] : [],
  };
}

test('values.yaml, and values.yaml with each example file, satisfy values.schema.json', () => {
  assert.deepEqual(schemaErrors(chart.values), []);
  assert.ok(examples.includes('gpu-cluster.yaml') && examples.includes('laptop.yaml'));
  for (const f of examples) assert.deepEqual(schemaErrors(mergeValues(chart.values, example(f))), [], f);
});

test('the schema rejects misspelt keys, wrong types and values the chart cannot honour', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['misspelt key', { services: { sampler: { gpus: 1 } } }],
    ['negative gpu', { services: { fid: { gpu: -1 } } }],
    ['gpu as a string', { services: { fid: { gpu: '1' } } }],
    ['overlapping sweeps', { sweeps: { concurrencyPolicy: 'Allow' } }],
    ['unknown preset', { sweeps: { preset: 'huge' } }],
    ['unknown provider', { config: { ortProvider: 'rocm' } }],
    ['short token', { auth: { apiTokens: ['abc'] } }],
    ['not a postgres URL', { database: { url: 'mysql://x' } }],
    ['run id that is no DNS label', { shardedJobs: { synthesis: { runId: 'Run_1' } } }],
    ['unknown top-level key', { replicaCount: 3 }],
  ];
  for (const [why, over] of bad) assert.notDeepEqual(schemaErrors(mergeValues(chart.values, over)), [], why);
});

test('every example renders to valid Kubernetes objects', () => {
  for (const f of examples) {
    const values = mergeValues(chart.values, example(f));
    const objs = objects([example(f)]);
    assert.deepEqual(validateManifests(objs, { external: externals(values) }), [], f);
    assert.ok(renderChart(chart, [example(f)]).notes.includes('Neon'), `${f}: NOTES.txt renders`);
  }
});

test('defaults with credentials: a Deployment and a Service per service, probes on the v2 health routes', () => {
  const objs = objects([creds]);
  assert.deepEqual(validateManifests(objs), []);
  for (const s of splitServices) {
    const d = find(objs, 'Deployment', `neon-${s}`);
    const c = d.spec.template.spec.containers[0];
    assert.deepEqual(c.args, ['serve', '--service', s]);
    assert.equal(c.startupProbe.httpGet.path, '/v2/health/live');
    assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
    assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
    assert.equal(c.ports[0].containerPort, 8080);
    assert.equal(c.resources.limits['nvidia.com/gpu'], undefined, `${s}: no GPU by default`);
    const svc = find(objs, 'Service', `neon-${s}`);
    assert.equal(svc.spec.selector['app.kubernetes.io/component'], s);
    for (const l of recommendedLabels) assert.ok(d.metadata.labels[l], `${s}: ${l}`);
    const envNames = c.env.map((e: any) => e.name);
    for (const e of ['DATABASE_URL', 'NEON_API_TOKENS', 'NEON_ORT_PROVIDER', 'NEON_TF_BACKEND'])
      assert.ok(envNames.includes(e), `${s}: ${e}`);
  }
  assert.equal(objs.filter((o) => o.kind === 'Deployment').length, 5);
  const cm = find(objs, 'ConfigMap', 'neon-config');
  assert.deepEqual(cm.data, { NEON_HOME: '/data', PORT: '8080', NEON_TF_BACKEND: 'wasm', NEON_ORT_PROVIDER: 'cpu' });
  const secret = find(objs, 'Secret', 'neon-secrets');
  assert.equal(Buffer.from(secret.data.NEON_API_TOKENS, 'base64').toString(), 'test-token-0123456789');
  const pvc = find(objs, 'PersistentVolumeClaim', 'neon-artifacts');
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  assert.equal(
    objs.some((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'CronJob'),
    false,
  );
});

test('the migrations Job is a pre-install/pre-upgrade hook that only uses what exists before the release', () => {
  const objs = objects([creds]);
  const job = find(objs, 'Job', 'neon-migrations');
  assert.equal(job.metadata.annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
  assert.match(job.metadata.annotations['helm.sh/hook-delete-policy'], /before-hook-creation/);
  const c = job.spec.template.spec.containers[0];
  assert.deepEqual(c.args, ['db', 'migrate']);
  const ref = c.env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef;
  const hookSecret = find(objs, 'Secret', ref.name);
  assert.ok(
    Number(hookSecret.metadata.annotations['helm.sh/hook-weight']) <
      Number(job.metadata.annotations['helm.sh/hook-weight']),
  );
  // with an existing Secret, the hook reads it directly and no hook Secret is made
  const ext = objects([{ auth: { existingSecret: 'creds', existingSecretKeys: { databaseUrl: 'url' } } }]);
  const ec = find(ext, 'Job', 'neon-migrations').spec.template.spec.containers[0];
  assert.deepEqual(ec.env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef, {
    name: 'creds',
    key: 'url',
  });
  assert.equal(
    ext.some((o) => o.kind === 'Secret'),
    false,
  );
  assert.deepEqual(validateManifests(ext, { external: { secrets: ['creds'] } }), []);
});

test('gpu-cluster: nvidia.com/gpu limits, nodeSelector and tolerations exactly where the values ask', () => {
  const values = mergeValues(chart.values, example('gpu-cluster.yaml')) as any;
  const objs = objects([example('gpu-cluster.yaml')]);
  for (const s of splitServices) {
    const spec = find(objs, 'Deployment', `neon-${s}`).spec.template.spec;
    const want = values.services[s].gpu;
    assert.equal(spec.containers[0].resources.limits['nvidia.com/gpu'], want > 0 ? want : undefined, s);
    assert.deepEqual(
      spec.nodeSelector,
      Object.keys(values.services[s].nodeSelector).length ? values.services[s].nodeSelector : undefined,
      s,
    );
    assert.deepEqual(
      spec.tolerations,
      values.services[s].tolerations.length ? values.services[s].tolerations : undefined,
      s,
    );
    const ort = spec.containers[0].env.find((e: any) => e.name === 'NEON_ORT_PROVIDER').value;
    assert.equal(ort, values.services[s].ortProvider || values.config.ortProvider, s);
  }
  const sampler = find(objs, 'Deployment', 'neon-sampler');
  assert.equal(sampler.spec.replicas, undefined, 'the HPA owns replicas');
  assert.equal(sampler.spec.strategy.rollingUpdate.maxSurge, 0, 'GPU rollouts do not ask for a spare GPU');
  assert.equal(find(objs, 'HorizontalPodAutoscaler', 'neon-sampler').spec.maxReplicas, 8);
  assert.ok(sampler.spec.template.spec.affinity.podAntiAffinity);
  for (const kind of ['Job', 'CronJob']) {
    for (const o of objs.filter(
      (x) => x.kind === kind && !x.metadata.annotations?.['helm.sh/hook'] && !x.metadata.name.endsWith('-reduce'),
    )) {
      assert.equal(podTemplateOf(o)!.spec.containers[0].resources.limits['nvidia.com/gpu'], 1, o.metadata.name);
    }
  }
});

test('sweeps CronJob: schedule, concurrencyPolicy Forbid, startingDeadlineSeconds, history limits, the run command', () => {
  const values = mergeValues(chart.values, example('gpu-cluster.yaml')) as any;
  const cj = find(objects([example('gpu-cluster.yaml')]), 'CronJob', 'neon-sweeps');
  assert.equal(cj.spec.schedule, values.sweeps.schedule);
  assert.equal(cj.spec.timeZone, 'Etc/UTC');
  assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
  assert.equal(cj.spec.startingDeadlineSeconds, values.sweeps.startingDeadlineSeconds);
  assert.equal(cj.spec.successfulJobsHistoryLimit, values.sweeps.successfulJobsHistoryLimit);
  assert.equal(cj.spec.failedJobsHistoryLimit, values.sweeps.failedJobsHistoryLimit);
  const c = cj.spec.jobTemplate.spec.template.spec.containers[0];
  assert.deepEqual(c.args, ['run', '--model', 'fmnist-flow', '--preset', 'default']);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'Never');
});

test('Indexed Jobs: each shard gets its index; the reduce step merges exactly the files the shards write', () => {
  const over = [
    creds,
    {
      shardedJobs: {
        synthesis: { enabled: true, runId: 'r7', model: 'm', n: 1000000, shards: 3, parallelism: 2 },
        statistics: { enabled: true, runId: 'r7', samplesDir: 'samples/m/r7', shards: 3, parallelism: 3 },
      },
    },
  ];
  const objs = objects(over);
  assert.deepEqual(validateManifests(objs), []);
  const synth = find(objs, 'Job', 'neon-synth-r7');
  assert.equal(synth.spec.completionMode, 'Indexed');
  assert.equal(synth.spec.completions, 3);
  assert.equal(synth.spec.parallelism, 2);
  const sc = synth.spec.template.spec.containers[0];
  assert.deepEqual(sc.args, [
    'sample',
    '--model',
    'm',
    '--n',
    '1000000',
    '--shard',
    '$(NEON_SHARD_INDEX)/3',
    '--out',
    '/data/samples/r7',
  ]);
  const idx = sc.env.find((e: any) => e.name === 'NEON_SHARD_INDEX');
  assert.equal(idx.valueFrom.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");

  const stats = find(objs, 'Job', 'neon-stats-r7');
  assert.equal(stats.spec.completionMode, 'Indexed');
  const args: string[] = stats.spec.template.spec.containers[0].args;
  assert.deepEqual(args.slice(0, 2), ['fid', '/data/samples/m/r7']);
  const pattern = args[args.indexOf('--save-stats') + 1];
  assert.equal(args[args.indexOf('--shard') + 1], '$(NEON_SHARD_INDEX)/3');
  const written = [0, 1, 2].map((i) => pattern.replace('$(NEON_SHARD_INDEX)', String(i)));
  const reduce = find(objs, 'Job', 'neon-stats-r7-reduce');
  const rc = reduce.spec.template.spec.containers[0];
  assert.deepEqual(rc.args, ['stats', 'merge', ...written, '--out', '/data/stats/r7/stats.npz']);
  const wait = reduce.spec.template.spec.initContainers[0].args[0] as string;
  for (const f of written) assert.ok(wait.includes(`'${f}'`), `the reduce waits for ${f}`);
  assert.equal(reduce.spec.completionMode, undefined);

  // per-index retries when asked
  const per = objects([...over, { shardedJobs: { synthesis: { perIndexRetries: { enabled: true } } } }]);
  const ps = find(per, 'Job', 'neon-synth-r7').spec;
  assert.deepEqual([ps.backoffLimitPerIndex, ps.maxFailedIndexes, ps.backoffLimit], [2, 1, undefined]);
});

test('laptop: one all-in-one Deployment and nothing else serving', () => {
  const objs = objects([example('laptop.yaml')]);
  const deps = objs.filter((o) => o.kind === 'Deployment');
  assert.deepEqual(
    deps.map((d) => d.metadata.name),
    ['neon-all'],
  );
  assert.deepEqual(deps[0].spec.template.spec.containers[0].args, ['serve', '--service', 'all']);
  assert.deepEqual(find(objs, 'PersistentVolumeClaim', 'neon-artifacts').spec.accessModes, ['ReadWriteOnce']);
});

test('scale-to-zero: the sampler as a Knative Service instead of its Deployment, ready on /v2/health/ready', () => {
  const values = mergeValues(chart.values, example('scale-to-zero.yaml')) as any;
  const objs = objects([example('scale-to-zero.yaml')]);
  assert.deepEqual(validateManifests(objs), []);
  const kn = objs.find((o) => isKnativeService(o) && o.metadata.name === 'neon-sampler') as any;
  assert.ok(kn, 'a serving.knative.dev/v1 Service neon-sampler');
  // nothing else serves the sampler: no Deployment, core Service, PDB or HPA of that name
  assert.deepEqual(
    objs.filter((o) => o.metadata.name === 'neon-sampler').map((o) => `${o.apiVersion}/${o.kind}`),
    ['serving.knative.dev/v1/Service'],
  );
  for (const s of splitServices.filter((x) => x !== 'sampler')) find(objs, 'Deployment', `neon-${s}`);
  const tpl = kn.spec.template;
  assert.equal(tpl.metadata.annotations['autoscaling.knative.dev/min-scale'], '0');
  assert.equal(
    tpl.metadata.annotations['autoscaling.knative.dev/max-scale'],
    String(values.services.sampler.knative.maxScale),
  );
  assert.equal(tpl.metadata.annotations['autoscaling.knative.dev/scale-to-zero-pod-retention-period'], '5m');
  assert.equal(tpl.spec.containerConcurrency, 4);
  assert.equal(tpl.spec.timeoutSeconds, 300);
  const c = tpl.spec.containers[0];
  assert.deepEqual(c.args, ['serve', '--service', 'sampler']);
  assert.deepEqual(c.ports, [{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
  assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
  assert.equal(c.readinessProbe.periodSeconds, undefined, 'Knative probes a starting pod continuously');
  assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
  assert.equal(c.startupProbe, undefined);
  assert.ok(tpl.spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === 'neon-artifacts'));
  assert.ok(c.env.some((e: any) => e.name === 'DATABASE_URL'));
  // the default stays a Deployment
  assert.equal(objects([creds]).some(isKnativeService), false);
  // only the sampler takes the option
  assert.notDeepEqual(
    schemaErrors(
      mergeValues(chart.values, {
        services: {
          merge: { knative: { enabled: true, minScale: 0, maxScale: 1, containerConcurrency: 1, timeoutSeconds: 60 } },
        },
      }),
    ),
    [],
  );
  assert.notDeepEqual(
    schemaErrors(mergeValues(chart.values, { services: { sampler: { knative: { minScale: -1 } } } })),
    [],
  );
  // the validator knows Knative's own rules
  const mutate = (f: (c: any, tpl: any) => void): string => {
    const o = structuredClone(objs);
    const k = o.find(isKnativeService) as any;
    f(k.spec.template.spec.containers[0], k.spec.template);
    return validateManifests(o).join('\n');
  };
  assert.match(
    mutate((c) => (c.ports[0].name = 'http')),
    /port name must be http1 or h2c/,
  );
  assert.match(
    mutate((c) => (c.startupProbe = { httpGet: { path: '/v2/health/live', port: 8080 } })),
    /startupProbe/,
  );
  assert.match(
    mutate((_c, t) => (t.metadata.annotations['autoscaling.knative.dev/min-scale'] = '9')),
    /min-scale 9 > max-scale 8/,
  );
  assert.match(
    mutate((c) => (c.readinessProbe.httpGet.port = 9090)),
    /readinessProbe port 9090/,
  );
  assert.match(
    mutate((c) => delete c.name),
    /must have required property name/,
  );
});

test('configurations that cannot work fail the render with a message naming the value', () => {
  assert.throws(() => renderChart(chart, []), /auth\.apiTokens/);
  assert.throws(() => renderChart(chart, [{ auth: { apiTokens: ['t'.repeat(16)] } }]), /database\.url/);
  assert.throws(
    () => renderChart(chart, [creds, { services: { all: { enabled: true } } }]),
    /services\.all.*disable services sampler, selftrain/,
  );
  assert.throws(() => renderChart(chart, [creds, { sweeps: { enabled: true } }]), /sweeps\.model/);
  assert.throws(
    () => renderChart(chart, [creds, { shardedJobs: { synthesis: { enabled: true, model: 'm' } } }]),
    /synthesis\.runId/,
  );
  assert.throws(
    () =>
      renderChart(chart, [
        creds,
        { shardedJobs: { statistics: { enabled: true, runId: 'a', shards: 2, parallelism: 4 } } },
      ]),
    /parallelism/,
  );
});

test('the validator catches the mistakes it is there for', () => {
  const base = () => structuredClone(objects([creds, { sweeps: { enabled: true, model: 'm' } }]));
  const mutate = (f: (objs: K8sObject[]) => void): string[] => {
    const o = base();
    f(o);
    return validateManifests(o);
  };
  const dep = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Deployment')!;
  assert.match(
    mutate((o) => {
      dep(o).spec.template.spec.containers[0].readinessProbe.httpGet.port = 'web';
    }).join('\n'),
    /readinessProbe port web/,
  );
  // shapes come from the Kubernetes OpenAPI schemas (kubernetes-models): types, required fields, formats
  assert.match(
    mutate((o) => {
      delete dep(o).spec.template.spec.containers[0].name;
    }).join('\n'),
    /containers\.0: must have required property name/,
  );
  assert.match(
    mutate((o) => {
      dep(o).spec.replicas = '2';
    }).join('\n'),
    /spec\.replicas: must be integer/,
  );
  assert.match(
    mutate((o) => {
      dep(o).spec.template.spec.containers[0].ports[0].containerPort = 2 ** 40;
    }).join('\n'),
    /containerPort: must match format "int32"/,
  );
  assert.match(
    mutate((o) => {
      delete dep(o).metadata.labels!['app.kubernetes.io/instance'];
    }).join('\n'),
    /missing label app.kubernetes.io\/instance/,
  );
  assert.match(
    mutate((o) => {
      dep(o).spec.template.spec.containers[0].args.push('$(NOT_SET)');
    }).join('\n'),
    /\$\(NOT_SET\)/,
  );
  assert.match(
    mutate((o) => {
      o.find((x) => x.kind === 'CronJob')!.spec.schedule = 'every night';
    }).join('\n'),
    /5-field cron/,
  );
  assert.match(
    mutate((o) => {
      o.find((x) => x.kind === 'Service')!.spec.ports[0].targetPort = 9999;
    }).join('\n'),
    /targetPort 9999/,
  );
  // the pre-install hook reading the release's own Secret would wait for an object that comes after it
  assert.match(
    mutate((o) => {
      const job = o.find((x) => x.metadata.name === 'neon-migrations')!;
      job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef.name =
        'neon-secrets';
    }).join('\n'),
    /reads Secret neon-secrets, which does not exist when the pod starts/,
  );
  assert.match(
    mutate((o) => {
      dep(o).spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = 0.5;
    }).join('\n'),
    /positive integer/,
  );
});
