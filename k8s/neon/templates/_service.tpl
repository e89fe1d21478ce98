{{/*
One Neon service: Deployment, Service, and optionally PodDisruptionBudget and HorizontalPodAutoscaler; nothing when
the service runs as a Knative Service instead (services.<name>.knative.enabled, _knative.tpl).
Called from <name>.yaml as: include "neon.service" (dict "root" $ "name" "<name>")
*/}}
{{- define "neon.service" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := index $root.Values.services $name -}}
{{- $ctx := dict "root" $root "component" $name -}}
{{- $knative := get $svc "knative" | default dict -}}
{{- if and $svc.enabled (not (get $knative "enabled")) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "neon.componentName" $ctx }}
  labels:
    {{- include "neon.labels" $ctx | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ int $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- if gt (int $svc.gpu) 0 }}
  # GPU pods: replace one at a time rather than asking for a spare GPU during a rollout.
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "neon.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "neon.selectorLabels" $ctx | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "neon.configChecksums" $root | nindent 8 }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "neon.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ int $root.Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- include "neon.scheduling" (dict "workload" $svc) | nindent 6 }}
      {{- with $svc.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "neon.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["serve", "--service", {{ $name | quote }}]
          ports:
            - name: http
              containerPort: {{ int $root.Values.config.port }}
              protocol: TCP
          {{- include "neon.env" (dict "root" $root "workload" $svc) | nindent 10 }}
          startupProbe:
            httpGet:
              path: {{ $root.Values.probes.startup.path }}
              port: http
            periodSeconds: {{ int $root.Values.probes.startup.periodSeconds }}
            timeoutSeconds: {{ int $root.Values.probes.startup.timeoutSeconds }}
            failureThreshold: {{ int $root.Values.probes.startup.failureThreshold }}
          livenessProbe:
            httpGet:
              path: {{ $root.Values.probes.liveness.path }}
              port: http
            periodSeconds: {{ int $root.Values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ int $root.Values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ int $root.Values.probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: {{ $root.Values.probes.readiness.path }}
              port: http
            periodSeconds: {{ int $root.Values.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ int $root.Values.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ int $root.Values.probes.readiness.failureThreshold }}
          resources:
            {{- include "neon.resources" (dict "workload" $svc) | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "neon.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "neon.volumes" $root | nindent 8 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "neon.componentName" $ctx }}
  labels:
    {{- include "neon.labels" $ctx | nindent 4 }}
  {{- with $svc.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.service.type }}
  selector:
    {{- include "neon.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: {{ int $svc.service.port }}
      targetPort: http
      protocol: TCP
{{- if $svc.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "neon.componentName" $ctx }}
  labels:
    {{- include "neon.labels" $ctx | nindent 4 }}
spec:
  maxUnavailable: {{ int $svc.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "neon.selectorLabels" $ctx | nindent 6 }}
{{- end }}
{{- if $svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "neon.componentName" $ctx }}
  labels:
    {{- include "neon.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "neon.componentName" $ctx }}
  minReplicas: {{ int $svc.autoscaling.minReplicas }}
  maxReplicas: {{ int $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int $svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}
{{- end -}}
