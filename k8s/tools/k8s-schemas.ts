// Shape checks of rendered objects against the Kubernetes OpenAPI schemas, as the maintained `kubernetes-models`
// package compiles them (field types, required fields, int32/int-or-string/quantity formats), and Knative's Service
// as `@kubernetes-models/knative` compiles it. Only the kinds the chart emits are accepted; any other apiVersion/kind
// is a problem in itself.
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

interface SchemaError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = Object.fromEntries(
  [
    Deployment,
    Service,
    ConfigMap,
    Secret,
    ServiceAccount,
    PersistentVolumeClaim,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    Job,
    CronJob,
    KnativeService,
  ].map((m) => [`${m.apiVersion}/${m.kind}`, m as unknown as Model]),
);

/** The object's problems against its kind's schema, each as "<id><path>: message". */
export function schemaProblems(o: { apiVersion: string; kind: string }, id: string): string[] {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) return [`${id}: unknown apiVersion/kind ${o.apiVersion}/${o.kind}`];
  try {
    new model(o as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: SchemaError[] }).errors;
    if (!errors) throw err;
    return errors.map(
      (e) =>
        `${id}${e.instancePath.replaceAll('/', '.')}: ${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`,
    );
  }
}
