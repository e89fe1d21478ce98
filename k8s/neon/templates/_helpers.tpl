{{/* Names -------------------------------------------------------------------------------------------------------- */}}

{{- define "neon.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-neon, or the release name when it already contains the chart name; at most 63 characters. */}}
{{- define "neon.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := .Values.nameOverride | default .Chart.Name -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-<component>, cut so that it stays a valid DNS label. */}}
{{- define "neon.componentName" -}}
{{- printf "%s-%s" (include "neon.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "neon.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels: the recommended app.kubernetes.io/* set. Called with (dict "root" $ "component" "<name>"). -------------- */}}

{{- define "neon.selectorLabels" -}}
app.kubernetes.io/name: {{ include "neon.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "neon.labels" -}}
{{ include "neon.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: neon
helm.sh/chart: {{ include "neon.chart" .root }}
{{- end -}}

{{/* Objects the chart shares -------------------------------------------------------------------------------------- */}}

{{- define "neon.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "neon.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "neon.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "neon.configMapName" -}}
{{- include "neon.componentName" (dict "root" . "component" "config") -}}
{{- end -}}

{{- define "neon.secretName" -}}
{{- .Values.auth.existingSecret | default (include "neon.componentName" (dict "root" . "component" "secrets")) -}}
{{- end -}}

{{- define "neon.secretKey.apiTokens" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretKeys.apiTokens }}{{- else -}}NEON_API_TOKENS{{- end -}}
{{- end -}}

{{- define "neon.secretKey.databaseUrl" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretKeys.databaseUrl }}{{- else -}}DATABASE_URL{{- end -}}
{{- end -}}

{{- define "neon.claimName" -}}
{{- .Values.persistence.existingClaim | default (include "neon.componentName" (dict "root" . "component" "artifacts")) -}}
{{- end -}}

{{/* Fails the render with a message naming the value when the configuration cannot work. */}}
{{- define "neon.validate" -}}
{{- if and (not .Values.auth.existingSecret) (eq (len .Values.auth.apiTokens) 0) -}}
{{- fail "auth.apiTokens: set at least one API token (or auth.existingSecret)" -}}
{{- end -}}
{{- if and (not .Values.auth.existingSecret) (not .Values.database.url) -}}
{{- fail "database.url: set the PostgreSQL URL (or auth.existingSecret holding it)" -}}
{{- end -}}
{{- $split := list -}}
{{- range $name := list "sampler" "selftrain" "merge" "fid" "orchestrator" -}}
{{- if (index $.Values.services $name).enabled -}}{{- $split = append $split $name -}}{{- end -}}
{{- end -}}
{{- if and .Values.services.all.enabled (gt (len $split) 0) -}}
{{- fail (printf "services.all runs every service in one process; disable services %s, or services.all" (join ", " $split)) -}}
{{- end -}}
{{- if and (not .Values.services.all.enabled) (eq (len $split) 0) -}}
{{- fail "services: enable services.all or at least one service" -}}
{{- end -}}
{{- range $kind := list "synthesis" "statistics" -}}
{{- $job := index $.Values.shardedJobs $kind -}}
{{- if $job.enabled -}}
{{- if not $job.runId -}}{{- fail (printf "shardedJobs.%s.runId: set a new run id for each run" $kind) -}}{{- end -}}
{{- if gt (int $job.parallelism) (int $job.shards) -}}{{- fail (printf "shardedJobs.%s.parallelism: at most shards (%d)" $kind (int $job.shards)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if and .Values.shardedJobs.synthesis.enabled (not .Values.shardedJobs.synthesis.model) -}}
{{- fail "shardedJobs.synthesis.model: name the model to sample" -}}
{{- end -}}
{{- if and .Values.sweeps.enabled (not .Values.sweeps.model) -}}
{{- fail "sweeps.model: name the model the scheduled sweep runs" -}}
{{- end -}}
{{- end -}}

{{/* Pod pieces ---------------------------------------------------------------------------------------------------- */}}

{{/* Environment of every Neon container. Called with (dict "root" $ "workload" <values of the workload>). */}}
{{- define "neon.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "neon.configMapName" .root }}
env:
  - name: HOST
    value: "0.0.0.0"
  - name: NEON_ORT_PROVIDER
    value: {{ .workload.ortProvider | default .root.Values.config.ortProvider | quote }}
  - name: NEON_TF_BACKEND
    value: {{ .workload.tfBackend | default .root.Values.config.tfBackend | quote }}
  - name: DATABASE_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "neon.secretName" .root }}
        key: {{ include "neon.secretKey.databaseUrl" .root }}
  - name: NEON_API_TOKENS
    valueFrom:
      secretKeyRef:
        name: {{ include "neon.secretName" .root }}
        key: {{ include "neon.secretKey.apiTokens" .root }}
{{- range $k, $v := (get .workload "extraEnv" | default dict) }}
  - name: {{ $k }}
    value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* Resources with the nvidia.com/gpu limit added when the workload asks for GPUs. (dict "workload" <values>) */}}
{{- define "neon.resources" -}}
{{- $res := deepCopy (.workload.resources | default dict) -}}
{{- if gt (int .workload.gpu) 0 -}}
{{- $limits := deepCopy (get $res "limits" | default dict) -}}
{{- $_ := set $limits "nvidia.com/gpu" (int .workload.gpu) -}}
{{- $_ := set $res "limits" $limits -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{- define "neon.volumes" -}}
- name: artifacts
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "neon.claimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "neon.volumeMounts" -}}
- name: artifacts
  mountPath: {{ .Values.config.home }}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Scheduling of a workload: nodeSelector, tolerations, affinity. (dict "workload" <values>) */}}
{{- define "neon.scheduling" -}}
{{- with .workload.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .workload.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .workload.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod annotations that roll the pods when the configuration changes. */}}
{{- define "neon.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.auth.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end -}}
