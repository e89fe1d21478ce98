// The fields of the Kubernetes objects the chart emits (a strict subset of the API: apps/v1, batch/v1, v1, policy/v1,
// autoscaling/v2), so that a misspelt or misplaced field is caught the way `kubectl apply --validate=strict` would.
// A shape is a scalar type, a list of a shape, a map of string to a shape, or an object with known fields.

export type Shape =
  | 'string' | 'int' | 'bool' | 'quantity' | 'intOrString' | 'any'
  | { list: Shape }
  | { map: Shape }
  | { obj: Record<string, Shape>; required?: string[] };

const str = 'string' as const;
const int = 'int' as const;
const bool = 'bool' as const;
const obj = (fields: Record<string, Shape>, required: string[] = []): Shape => ({ obj: fields, required });
const list = (s: Shape): Shape => ({ list: s });
const map = (s: Shape): Shape => ({ map: s });

const labelSelector = obj({ matchLabels: map(str), matchExpressions: list(obj({ key: str, operator: str, values: list(str) })) });

const objectMeta = obj({
  name: str, namespace: str, labels: map(str), annotations: map(str), generateName: str, finalizers: list(str),
});

const keyRef = obj({ name: str, key: str, optional: bool }, ['key']);
const envVar = obj({
  name: str,
  value: str,
  valueFrom: obj({
    secretKeyRef: keyRef,
    configMapKeyRef: keyRef,
    fieldRef: obj({ fieldPath: str, apiVersion: str }, ['fieldPath']),
    resourceFieldRef: obj({ resource: str, containerName: str, divisor: 'quantity' }, ['resource']),
  }),
}, ['name']);

const envFromSource = obj({
  prefix: str,
  configMapRef: obj({ name: str, optional: bool }),
  secretRef: obj({ name: str, optional: bool }),
});

const probe = obj({
  httpGet: obj({ path: str, port: 'intOrString', host: str, scheme: str, httpHeaders: list(obj({ name: str, value: str })) }, ['port']),
  tcpSocket: obj({ port: 'intOrString', host: str }, ['port']),
  exec: obj({ command: list(str) }),
  grpc: obj({ port: int, service: str }, ['port']),
  initialDelaySeconds: int, periodSeconds: int, timeoutSeconds: int, successThreshold: int, failureThreshold: int,
  terminationGracePeriodSeconds: int,
});

const resources = obj({ requests: map('quantity'), limits: map('quantity'), claims: list(obj({ name: str })) });

const containerSecurityContext = obj({
  allowPrivilegeEscalation: bool, readOnlyRootFilesystem: bool, privileged: bool, runAsNonRoot: bool,
  runAsUser: int, runAsGroup: int, procMount: str,
  capabilities: obj({ add: list(str), drop: list(str) }),
  seccompProfile: obj({ type: str, localhostProfile: str }, ['type']),
  seLinuxOptions: 'any', appArmorProfile: obj({ type: str, localhostProfile: str }, ['type']),
});

const container = obj({
  name: str, image: str, imagePullPolicy: str, command: list(str), args: list(str), workingDir: str,
  ports: list(obj({ name: str, containerPort: int, protocol: str, hostPort: int, hostIP: str }, ['containerPort'])),
  env: list(envVar), envFrom: list(envFromSource), resources,
  volumeMounts: list(obj({ name: str, mountPath: str, subPath: str, readOnly: bool, subPathExpr: str, mountPropagation: str }, ['name', 'mountPath'])),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  lifecycle: 'any', terminationMessagePath: str, terminationMessagePolicy: str,
  securityContext: containerSecurityContext, stdin: bool, tty: bool, restartPolicy: str,
}, ['name', 'image']);

const volume = obj({
  name: str,
  persistentVolumeClaim: obj({ claimName: str, readOnly: bool }, ['claimName']),
  emptyDir: obj({ medium: str, sizeLimit: 'quantity' }),
  configMap: obj({ name: str, items: list(obj({ key: str, path: str, mode: int })), defaultMode: int, optional: bool }),
  secret: obj({ secretName: str, items: list(obj({ key: str, path: str, mode: int })), defaultMode: int, optional: bool }),
}, ['name']);

const toleration = obj({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int });

const podSpec = obj({
  containers: list(container), initContainers: list(container), volumes: list(volume),
  restartPolicy: str, serviceAccountName: str, automountServiceAccountToken: bool,
  imagePullSecrets: list(obj({ name: str })), priorityClassName: str, terminationGracePeriodSeconds: int,
  activeDeadlineSeconds: int,
  securityContext: obj({
    runAsNonRoot: bool, runAsUser: int, runAsGroup: int, fsGroup: int, fsGroupChangePolicy: str,
    supplementalGroups: list(int), seccompProfile: obj({ type: str, localhostProfile: str }, ['type']),
    seLinuxOptions: 'any', sysctls: list(obj({ name: str, value: str })),
  }),
  nodeSelector: map(str), tolerations: list(toleration), affinity: obj({ nodeAffinity: 'any', podAffinity: 'any', podAntiAffinity: 'any' }),
  topologySpreadConstraints: list(obj({
    maxSkew: int, topologyKey: str, whenUnsatisfiable: str, labelSelector, minDomains: int,
    matchLabelKeys: list(str), nodeAffinityPolicy: str, nodeTaintsPolicy: str,
  }, ['maxSkew', 'topologyKey', 'whenUnsatisfiable'])),
  runtimeClassName: str, hostNetwork: bool, dnsPolicy: str, enableServiceLinks: bool, schedulerName: str,
}, ['containers']);

const podTemplate = obj({ metadata: objectMeta, spec: podSpec }, ['spec']);

const jobSpec = obj({
  template: podTemplate, completions: int, parallelism: int, completionMode: str, backoffLimit: int,
  backoffLimitPerIndex: int, maxFailedIndexes: int, activeDeadlineSeconds: int, ttlSecondsAfterFinished: int,
  suspend: bool, podFailurePolicy: 'any', podReplacementPolicy: str, manualSelector: bool, selector: labelSelector,
}, ['template']);

const top = (spec: Record<string, Shape>, required: string[] = []): Shape =>
  obj({ apiVersion: str, kind: str, metadata: objectMeta, ...spec }, ['apiVersion', 'kind', 'metadata', ...required]);

/** Shapes by "apiVersion/kind". */
export const shapes: Record<string, Shape> = {
  'apps/v1/Deployment': top({
    spec: obj({
      replicas: int, selector: labelSelector, template: podTemplate, revisionHistoryLimit: int, minReadySeconds: int,
      progressDeadlineSeconds: int, paused: bool,
      strategy: obj({ type: str, rollingUpdate: obj({ maxSurge: 'intOrString', maxUnavailable: 'intOrString' }) }),
    }, ['selector', 'template']),
  }, ['spec']),
  'v1/Service': top({
    spec: obj({
      type: str, selector: map(str), clusterIP: str, sessionAffinity: str, externalTrafficPolicy: str,
      internalTrafficPolicy: str, loadBalancerSourceRanges: list(str), ipFamilyPolicy: str,
      ports: list(obj({ name: str, port: int, targetPort: 'intOrString', protocol: str, nodePort: int, appProtocol: str }, ['port'])),
    }),
  }, ['spec']),
  'v1/ConfigMap': top({ data: map(str), binaryData: map(str), immutable: bool }),
  'v1/Secret': top({ type: str, data: map(str), stringData: map(str), immutable: bool }),
  'v1/ServiceAccount': top({ automountServiceAccountToken: bool, imagePullSecrets: list(obj({ name: str })), secrets: 'any' }),
  'v1/PersistentVolumeClaim': top({
    spec: obj({
      accessModes: list(str), storageClassName: str, volumeMode: str, volumeName: str, selector: labelSelector,
      resources: obj({ requests: map('quantity'), limits: map('quantity') }, ['requests']),
    }, ['accessModes', 'resources']),
  }, ['spec']),
  'policy/v1/PodDisruptionBudget': top({
    spec: obj({ minAvailable: 'intOrString', maxUnavailable: 'intOrString', selector: labelSelector, unhealthyPodEvictionPolicy: str }, ['selector']),
  }, ['spec']),
  'autoscaling/v2/HorizontalPodAutoscaler': top({
    spec: obj({
      scaleTargetRef: obj({ apiVersion: str, kind: str, name: str }, ['kind', 'name']),
      minReplicas: int, maxReplicas: int, behavior: 'any',
      metrics: list(obj({
        type: str,
        resource: obj({ name: str, target: obj({ type: str, averageUtilization: int, averageValue: 'quantity', value: 'quantity' }, ['type']) }, ['name', 'target']),
        pods: 'any', object: 'any', external: 'any', containerResource: 'any',
      }, ['type'])),
    }, ['scaleTargetRef', 'maxReplicas']),
  }, ['spec']),
  'batch/v1/Job': top({ spec: jobSpec }, ['spec']),
  'batch/v1/CronJob': top({
    spec: obj({
      schedule: str, timeZone: str, concurrencyPolicy: str, startingDeadlineSeconds: int, suspend: bool,
      successfulJobsHistoryLimit: int, failedJobsHistoryLimit: int,
      jobTemplate: obj({ metadata: objectMeta, spec: jobSpec }, ['spec']),
    }, ['schedule', 'jobTemplate']),
  }, ['spec']),
};

const quantityRe = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Problems of `v` against `shape`, each as "path: message". */
export function checkShape(v: unknown, shape: Shape, path: string, out: string[]): void {
  if (v === null || v === undefined) return; // Kubernetes treats null as unset
  if (shape === 'any') return;
  if (shape === 'string') { if (typeof v !== 'string') out.push(`${path}: expected a string, got ${JSON.stringify(v)}`); return; }
  if (shape === 'int') { if (!Number.isInteger(v)) out.push(`${path}: expected an integer, got ${JSON.stringify(v)}`); return; }
  if (shape === 'bool') { if (typeof v !== 'boolean') out.push(`${path}: expected a boolean, got ${JSON.stringify(v)}`); return; }
  if (shape === 'intOrString') { if (!Number.isInteger(v) && typeof v !== 'string') out.push(`${path}: expected an integer or a string`); return; }
  if (shape === 'quantity') {
    if (!(Number.isFinite(v) || (typeof v === 'string' && quantityRe.test(v)))) out.push(`${path}: not a quantity: ${JSON.stringify(v)}`);
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(v)) { out.push(`${path}: expected a list`); return; }
    v.forEach((x, i) => checkShape(x, shape.list, `${path}[${i}]`, out));
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) { out.push(`${path}: expected an object`); return; }
  const o = v as Record<string, unknown>;
  if ('map' in shape) {
    for (const [k, x] of Object.entries(o)) checkShape(x, shape.map, `${path}.${k}`, out);
    return;
  }
  for (const [k, x] of Object.entries(o)) {
    const s = shape.obj[k];
    if (!s) out.push(`${path}: unknown field "${k}"`);
    else checkShape(x, s, `${path}.${k}`, out);
  }
  for (const r of shape.required ?? []) if (o[r] === undefined || o[r] === null) out.push(`${path}: missing required field "${r}"`);
}
