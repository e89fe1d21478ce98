// Validates rendered manifests as Kubernetes objects: the Kubernetes OpenAPI schemas (k8s-schemas.ts), names, the recommended labels, and the
// references between objects (selectors, ports, Secrets, ConfigMaps, claims, ServiceAccounts, HPA targets, Helm hooks),
// plus CronJob and Indexed Job rules, and Knative Serving's rules for a Knative Service. Returns the problems; an empty
// list means valid.
import { schemaProblems } from './k8s-schemas.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

export interface ValidateOptions {
  /** Objects that exist outside the chart (an existing Secret or claim, the namespace's default ServiceAccount). */
  external?: { secrets?: string[]; configMaps?: string[]; claims?: string[]; serviceAccounts?: string[] };
}

export const recommendedLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const hookEvents = new Set([
  'pre-install',
  'post-install',
  'pre-delete',
  'post-delete',
  'pre-upgrade',
  'post-upgrade',
  'pre-rollback',
  'post-rollback',
  'test',
]);
const hookDeletePolicies = new Set(['before-hook-creation', 'hook-succeeded', 'hook-failed']);
const cronField = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

export const KNATIVE_SERVING = 'serving.knative.dev/v1';
/** A Knative Service (a revision template that Knative runs and scales), not a core v1 Service. */
export const isKnativeService = (o: K8sObject) => o.apiVersion === KNATIVE_SERVING && o.kind === 'Service';
const isCoreService = (o: K8sObject) => o.apiVersion === 'v1' && o.kind === 'Service';

/** The pod template of a workload, if it has one. */
export function podTemplateOf(o: K8sObject): { metadata?: any; spec: any } | null {
  if (o.kind === 'Deployment' || o.kind === 'Job' || isKnativeService(o)) return o.spec?.template ?? null;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template ?? null;
  return null;
}

function hookInfo(o: K8sObject): { events: string[]; weight: number } | null {
  const h = o.metadata.annotations?.['helm.sh/hook'];
  if (!h) return null;
  return {
    events: h.split(',').map((s) => s.trim()),
    weight: Number(o.metadata.annotations?.['helm.sh/hook-weight'] ?? '0'),
  };
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function validateManifests(objects: K8sObject[], opts: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const ext = opts.external ?? {};
  const seen = new Set<string>();
  const named = (kind: string) => objects.filter((o) => o.kind === kind);

  for (const o of objects) {
    const id = `${o.kind ?? '?'}/${o.metadata?.name ?? '?'}`;
    const shapeProblems = schemaProblems(o, id);
    problems.push(...shapeProblems);
    if (shapeProblems.some((p) => p.includes('unknown apiVersion/kind'))) continue;
    const name = o.metadata?.name;
    if (typeof name !== 'string') continue;
    // a Knative Service makes a core Service of its own name
    const key = `${isKnativeService(o) ? 'Service' : o.kind}/${name}`;
    if (seen.has(key))
      problems.push(`${id}: defined twice${isKnativeService(o) ? ' (Knative makes a Service of the same name)' : ''}`);
    seen.add(key);
    // Services, and the pods of Jobs (job-name label), need DNS labels; others DNS subdomains.
    const needsLabel = ['Service', 'Job', 'CronJob', 'Deployment'].includes(o.kind);
    if (!(needsLabel ? dnsLabel.test(name) && name.length <= 63 : dnsSubdomain.test(name) && name.length <= 253)) {
      problems.push(`${id}: invalid name (${needsLabel ? 'DNS-1123 label, <= 63' : 'DNS-1123 subdomain'})`);
    }
    if (o.kind === 'CronJob' && name.length > 52) problems.push(`${id}: CronJob names must be at most 52 characters`);
    for (const l of recommendedLabels) if (!o.metadata.labels?.[l]) problems.push(`${id}: missing label ${l}`);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      if (typeof v !== 'string' || v.length > 63 || !labelValue.test(v))
        problems.push(`${id}: label ${k} has an invalid value ${JSON.stringify(v)}`);
    }
    const hook = hookInfo(o);
    if (hook) {
      for (const e of hook.events) if (!hookEvents.has(e)) problems.push(`${id}: unknown helm.sh/hook event "${e}"`);
      if (!Number.isInteger(hook.weight)) problems.push(`${id}: helm.sh/hook-weight must be an integer string`);
      const dp = o.metadata.annotations?.['helm.sh/hook-delete-policy'];
      for (const p of dp ? dp.split(',').map((s) => s.trim()) : [])
        if (!hookDeletePolicies.has(p)) problems.push(`${id}: unknown hook-delete-policy "${p}"`);
    }
  }
  if (problems.length > 0) return problems;

  // A resource a pod refers to must exist when the pod is created: for a pre-install hook, that is only external
  // objects and hooks of the same event with a lower weight (the release's own objects come after the hooks).
  const available = (kind: string, name: string, user: K8sObject, external: string[] | undefined): boolean => {
    if (external?.includes(name)) return true;
    const target = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!target) return false;
    const uh = hookInfo(user);
    if (!uh || !uh.events.some((e) => e.startsWith('pre-'))) return true;
    const th = hookInfo(target);
    return Boolean(th && uh.events.every((e) => th.events.includes(e)) && th.weight < uh.weight);
  };

  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    const tpl = podTemplateOf(o);
    if (tpl) problems.push(...validatePod(o, tpl, id, available, ext));
    if (o.kind === 'Deployment') {
      const sel = o.spec.selector?.matchLabels ?? {};
      if (Object.keys(sel).length === 0) problems.push(`${id}: empty selector`);
      if (!matches(sel, tpl?.metadata?.labels))
        problems.push(`${id}: selector does not match the pod template's labels`);
      const hpa = named('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === o.metadata.name);
      if (hpa && o.spec.replicas !== undefined)
        problems.push(`${id}: sets replicas while ${hpa.metadata.name} scales it`);
    }
    if (isKnativeService(o)) problems.push(...validateKnative(o, id));
    if (isCoreService(o)) {
      const sel = o.spec.selector ?? {};
      const pods = objects.filter((d) => d.kind === 'Deployment' && matches(sel, d.spec.template?.metadata?.labels));
      if (pods.length === 0) problems.push(`${id}: selector matches no Deployment's pods`);
      for (const p of o.spec.ports ?? []) {
        for (const d of pods) {
          const ports = d.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
          const ok =
            typeof p.targetPort === 'string'
              ? ports.some((q: any) => q.name === p.targetPort)
              : ports.some((q: any) => q.containerPort === (p.targetPort ?? p.port));
          if (!ok) problems.push(`${id}: targetPort ${p.targetPort} is not a port of ${d.metadata.name}`);
        }
      }
    }
    if (o.kind === 'PodDisruptionBudget') {
      const sel = o.spec.selector?.matchLabels ?? {};
      const d = objects.find((x) => x.kind === 'Deployment' && matches(sel, x.spec.template?.metadata?.labels));
      if (!d) problems.push(`${id}: selector matches no Deployment`);
      if ((o.spec.minAvailable === undefined) === (o.spec.maxUnavailable === undefined))
        problems.push(`${id}: set exactly one of minAvailable and maxUnavailable`);
      if (d && typeof o.spec.minAvailable === 'number' && o.spec.minAvailable >= (d.spec.replicas ?? 1)) {
        problems.push(`${id}: minAvailable ${o.spec.minAvailable} >= replicas; it would block every node drain`);
      }
    }
    if (o.kind === 'HorizontalPodAutoscaler') {
      const ref = o.spec.scaleTargetRef;
      const d = objects.find((x) => x.kind === ref.kind && x.metadata.name === ref.name);
      if (!d) problems.push(`${id}: scaleTargetRef ${ref.kind}/${ref.name} is not in the chart`);
      if ((o.spec.minReplicas ?? 1) > o.spec.maxReplicas) problems.push(`${id}: minReplicas > maxReplicas`);
      const cpu = (o.spec.metrics ?? []).some(
        (m: any) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization',
      );
      if (cpu && d && !d.spec.template.spec.containers.every((c: any) => c.resources?.requests?.cpu !== undefined)) {
        problems.push(`${id}: CPU utilization needs cpu requests on every container of ${d.metadata.name}`);
      }
    }
    if (o.kind === 'CronJob') {
      const s = o.spec;
      const fields = String(s.schedule).trim().split(/\s+/);
      if (
        !(fields.length === 5 && fields.every((f) => cronField.test(f))) &&
        !/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s.schedule)
      ) {
        problems.push(`${id}: schedule "${s.schedule}" is not a 5-field cron expression`);
      }
      if (!['Allow', 'Forbid', 'Replace'].includes(s.concurrencyPolicy ?? 'Allow'))
        problems.push(`${id}: concurrencyPolicy must be Allow, Forbid or Replace`);
      if (s.startingDeadlineSeconds !== undefined && s.startingDeadlineSeconds < 10)
        problems.push(`${id}: startingDeadlineSeconds under 10 can miss every run`);
      problems.push(...validateJobSpec(s.jobTemplate.spec, id));
    }
    if (o.kind === 'Job') problems.push(...validateJobSpec(o.spec, id));
    if (o.kind === 'PersistentVolumeClaim') {
      const modes: string[] = o.spec.accessModes ?? [];
      for (const m of modes)
        if (!['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].includes(m))
          problems.push(`${id}: unknown access mode ${m}`);
    }
    if (o.kind === 'Secret') {
      for (const [k, v] of Object.entries(o.data ?? {})) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0)
          problems.push(`${id}: data.${k} is not base64`);
      }
    }
  }
  return problems;
}

/**
 * Knative Serving's admission rules that the Kubernetes schema does not carry: one container with at most one port,
 * named http1 or h2c; no startup probe; no PORT in env (Knative sets it); the autoscaling annotations as integers
 * with min-scale ≤ max-scale (0: unbounded).
 */
function validateKnative(o: K8sObject, id: string): string[] {
  const p: string[] = [];
  const tpl = o.spec?.template ?? {};
  const containers: any[] = tpl.spec?.containers ?? [];
  if (containers.length !== 1) p.push(`${id}: a Knative Service here runs exactly one container`);
  for (const c of containers) {
    const cid = `${id} container ${c.name}`;
    const ports: any[] = c.ports ?? [];
    if (ports.length > 1) p.push(`${cid}: Knative allows one container port`);
    for (const port of ports)
      if (port.name !== undefined && !['http1', 'h2c'].includes(port.name))
        p.push(`${cid}: Knative port name must be http1 or h2c, not ${port.name}`);
    if (c.startupProbe) p.push(`${cid}: Knative does not take a startupProbe`);
    if ((c.env ?? []).some((e: any) => e.name === 'PORT')) p.push(`${cid}: PORT is reserved by Knative`);
  }
  const ann = tpl.metadata?.annotations ?? {};
  const scale = (k: string) => (ann[k] === undefined ? undefined : Number(ann[k]));
  const min = scale('autoscaling.knative.dev/min-scale');
  const max = scale('autoscaling.knative.dev/max-scale');
  for (const [k, v] of [
    ['min-scale', min],
    ['max-scale', max],
  ] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 0))
      p.push(`${id}: autoscaling.knative.dev/${k} must be a non-negative integer`);
  if (min !== undefined && max !== undefined && max > 0 && min > max)
    p.push(`${id}: min-scale ${min} > max-scale ${max}`);
  return p;
}

function validateJobSpec(spec: any, id: string): string[] {
  const p: string[] = [];
  const rp = spec.template?.spec?.restartPolicy;
  if (rp !== 'Never' && rp !== 'OnFailure') p.push(`${id}: a Job's pods need restartPolicy Never or OnFailure`);
  if (spec.completionMode === 'Indexed') {
    if (!Number.isInteger(spec.completions) || spec.completions < 1)
      p.push(`${id}: an Indexed Job needs completions >= 1`);
    if (spec.parallelism !== undefined && spec.parallelism > spec.completions)
      p.push(`${id}: parallelism > completions`);
    if (spec.backoffLimitPerIndex !== undefined && rp !== 'Never')
      p.push(`${id}: backoffLimitPerIndex needs restartPolicy Never`);
  } else {
    if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed')
      p.push(`${id}: unknown completionMode ${spec.completionMode}`);
    if (spec.backoffLimitPerIndex !== undefined || spec.maxFailedIndexes !== undefined)
      p.push(`${id}: backoffLimitPerIndex/maxFailedIndexes need completionMode Indexed`);
  }
  if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined)
    p.push(`${id}: maxFailedIndexes needs backoffLimitPerIndex`);
  return p;
}

function validatePod(
  o: K8sObject,
  tpl: { metadata?: any; spec: any },
  id: string,
  available: (kind: string, name: string, user: K8sObject, external?: string[]) => boolean,
  ext: NonNullable<ValidateOptions['external']>,
): string[] {
  const p: string[] = [];
  const spec = tpl.spec;
  const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
  for (const v of volumes.values()) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim && !available('PersistentVolumeClaim', claim, o, ext.claims))
      p.push(`${id}: volume ${v.name} claims ${claim}, which does not exist when the pod starts`);
  }
  const sa = spec.serviceAccountName;
  if (sa && sa !== 'default' && !available('ServiceAccount', sa, o, ext.serviceAccounts))
    p.push(`${id}: ServiceAccount ${sa} does not exist when the pod starts`);
  const runAsNonRoot = spec.securityContext?.runAsNonRoot === true;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const cid = `${id} container ${c.name}`;
    if (!runAsNonRoot && c.securityContext?.runAsNonRoot !== true) p.push(`${cid}: not required to run as non-root`);
    if (c.securityContext?.allowPrivilegeEscalation !== false) p.push(`${cid}: allowPrivilegeEscalation is not false`);
    if (
      typeof c.image !== 'string' ||
      !/^[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/.test(c.image) ||
      c.image.endsWith(':')
    )
      p.push(`${cid}: bad image reference ${c.image}`);
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) p.push(`${cid}: mounts unknown volume ${m.name}`);
    const mountPaths = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
    if (new Set(mountPaths).size !== mountPaths.length) p.push(`${cid}: two mounts at one path`);
    if (c.securityContext?.readOnlyRootFilesystem === true && !mountPaths.includes('/tmp'))
      p.push(`${cid}: read-only root filesystem without a writable /tmp`);
    const envNames = (c.env ?? []).map((e: any) => e.name);
    if (new Set(envNames).size !== envNames.length) p.push(`${cid}: an environment variable is set twice`);
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      if (s && !available('Secret', s.name, o, ext.secrets))
        p.push(`${cid}: env ${e.name} reads Secret ${s.name}, which does not exist when the pod starts`);
      const m = e.valueFrom?.configMapKeyRef;
      if (m && !available('ConfigMap', m.name, o, ext.configMaps))
        p.push(`${cid}: env ${e.name} reads ConfigMap ${m.name}, which does not exist when the pod starts`);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef && !available('ConfigMap', f.configMapRef.name, o, ext.configMaps))
        p.push(`${cid}: envFrom ConfigMap ${f.configMapRef.name} does not exist when the pod starts`);
      if (f.secretRef && !available('Secret', f.secretRef.name, o, ext.secrets))
        p.push(`${cid}: envFrom Secret ${f.secretRef.name} does not exist when the pod starts`);
    }
    // $(VAR) in command/args expands only for variables declared in env (not envFrom-less guesses)
    for (const a of [...(c.command ?? []), ...(c.args ?? [])]) {
      for (const ref of String(a).matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!envNames.includes(ref[1]))
          p.push(`${cid}: argument refers to $(${ref[1]}), which is not in env (it would be passed literally)`);
      }
    }
    const ports = new Map<string, number>(
      (c.ports ?? []).filter((x: any) => x.name).map((x: any) => [x.name, x.containerPort]),
    );
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      const pr = c[kind];
      if (!pr?.httpGet) continue;
      const port = pr.httpGet.port;
      if (typeof port === 'string' ? !ports.has(port) : !(c.ports ?? []).some((x: any) => x.containerPort === port))
        p.push(`${cid}: ${kind} port ${port} is not a container port`);
      if (typeof pr.httpGet.path !== 'string' || !pr.httpGet.path.startsWith('/'))
        p.push(`${cid}: ${kind} path must start with /`);
    }
    for (const [k, v] of Object.entries<any>(c.resources?.limits ?? {})) {
      if (k === 'nvidia.com/gpu' && !(Number.isInteger(v) && v > 0))
        p.push(`${cid}: nvidia.com/gpu must be a positive integer`);
      const req = c.resources?.requests?.[k];
      if (k === 'nvidia.com/gpu' && req !== undefined && req !== v)
        p.push(`${cid}: nvidia.com/gpu requests must equal limits`);
    }
  }
  return p;
}
