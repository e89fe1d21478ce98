{{/*
The pod spec of a batch workload (sweep, shard, reduce). Called with
(dict "root" $ "component" "<name>" "workload" <values> "args" <list of strings> "indexed" <bool> "waitFor" <list of files> "waitTimeout" <seconds>)
waitFor: files that must all exist before the main container starts (an init container polls for them).
*/}}
{{- define "neon.jobPodSpec" -}}
{{- $root := .root -}}
restartPolicy: Never
serviceAccountName: {{ include "neon.serviceAccountName" $root }}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- include "neon.scheduling" (dict "workload" .workload) }}
{{- if .waitFor }}
initContainers:
  - name: wait-for-inputs
    image: {{ include "neon.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    command: ["/bin/sh", "-c"]
    args:
      - |
        deadline=$(( $(date +%s) + {{ int .waitTimeout }} ))
        for f in {{ range .waitFor }}{{ . | squote }} {{ end }}; do
          until [ -f "$f" ]; do
            if [ "$(date +%s)" -ge "$deadline" ]; then echo "timed out waiting for $f" >&2; exit 1; fi
            echo "waiting for $f"; sleep 15
          done
        done
    resources:
      requests:
        cpu: 10m
        memory: 16Mi
      limits:
        memory: 64Mi
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    volumeMounts:
      {{- include "neon.volumeMounts" $root | nindent 6 }}
{{- end }}
containers:
  - name: {{ .component }}
    image: {{ include "neon.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args:
      {{- toYaml .args | nindent 6 }}
    {{- include "neon.env" (dict "root" $root "workload" .workload) | nindent 4 }}
    {{- if .indexed }}
      {{- include "neon.shardIndexEnv" . | nindent 6 }}
    {{- end }}
    resources:
      {{- include "neon.resources" (dict "workload" .workload) | nindent 6 }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    volumeMounts:
      {{- include "neon.volumeMounts" $root | nindent 6 }}
volumes:
  {{- include "neon.volumes" $root | nindent 2 }}
{{- end -}}

{{/* The downward-API variable that carries an Indexed Job pod's completion index (the shard number). */}}
{{- define "neon.shardIndexEnv" -}}
- name: NEON_SHARD_INDEX
  valueFrom:
    fieldRef:
      fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
{{- end -}}

{{/* Retry policy of an Indexed Job. (values of the job) */}}
{{- define "neon.indexedRetries" -}}
{{- if .perIndexRetries.enabled -}}
backoffLimitPerIndex: {{ int .perIndexRetries.backoffLimitPerIndex }}
maxFailedIndexes: {{ int .perIndexRetries.maxFailedIndexes }}
{{- else -}}
backoffLimit: {{ int .backoffLimit }}
{{- end -}}
{{- end -}}
