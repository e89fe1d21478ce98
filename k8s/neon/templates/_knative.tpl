{{/*
A Neon service as a Knative Service (serving.knative.dev/v1): scales to zero when idle and back on the first request,
instead of the Deployment + Service (+ PodDisruptionBudget, HorizontalPodAutoscaler) of _service.tpl. Knative routes
only to pods whose /v2/health/ready answers, probing it without a period (as fast as it can) while a pod starts.
The pod needs Knative's features for persistent volume claims (with write) and pod security contexts, and for node
selectors, tolerations and affinity when those are set (docs/DEPLOY.md).
Called from <name>.yaml as: include "neon.knativeService" (dict "root" $ "name" "<name>")
*/}}
{{- define "neon.knativeService" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := index $root.Values.services $name -}}
{{- $kn := $svc.knative -}}
{{- $ctx := dict "root" $root "component" $name -}}
{{- if and $svc.enabled $kn.enabled }}
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: {{ include "neon.componentName" $ctx }}
  labels:
    {{- include "neon.labels" $ctx | nindent 4 }}
spec:
  template:
    metadata:
      labels:
        {{- include "neon.selectorLabels" $ctx | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        autoscaling.knative.dev/min-scale: {{ int $kn.minScale | toString | quote }}
        autoscaling.knative.dev/max-scale: {{ int $kn.maxScale | toString | quote }}
        {{- with $kn.scaleToZeroPodRetentionPeriod }}
        autoscaling.knative.dev/scale-to-zero-pod-retention-period: {{ . | quote }}
        {{- end }}
        {{- include "neon.configChecksums" $root | nindent 8 }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      containerConcurrency: {{ int $kn.containerConcurrency }}
      timeoutSeconds: {{ int $kn.timeoutSeconds }}
      serviceAccountName: {{ include "neon.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- include "neon.scheduling" (dict "workload" $svc) | nindent 6 }}
      containers:
        - name: {{ $name }}
          image: {{ include "neon.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["serve", "--service", {{ $name | quote }}]
          ports:
            # Knative's one port, named for HTTP/1 (it sets PORT to it)
            - name: http1
              containerPort: {{ int $root.Values.config.port }}
              protocol: TCP
          {{- include "neon.env" (dict "root" $root "workload" $svc) | nindent 10 }}
          livenessProbe:
            httpGet:
              path: {{ $root.Values.probes.liveness.path }}
              port: {{ int $root.Values.config.port }}
            periodSeconds: {{ int $root.Values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ int $root.Values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ int $root.Values.probes.liveness.failureThreshold }}
          readinessProbe:
            # no periodSeconds: Knative's queue-proxy probes a starting pod continuously, so the first request
            # is routed the moment the models are loaded
            httpGet:
              path: {{ $root.Values.probes.readiness.path }}
              port: {{ int $root.Values.config.port }}
            successThreshold: 1
          resources:
            {{- include "neon.resources" (dict "workload" $svc) | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "neon.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "neon.volumes" $root | nindent 8 }}
{{- end }}
{{- end -}}
