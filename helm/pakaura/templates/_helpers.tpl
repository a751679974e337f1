{{/*
Shared helpers. Names of Services and workloads (`api`, `frontend`, `postgresql`) are fixed because
the application, the docs and `kubectl logs -l app=api` rely on them; the ConfigMap, Secret and
migration Job carry the release-derived full name.
*/}}

{{- define "pakaura.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pakaura.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pakaura.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pakaura.configName" -}}
{{- printf "%s-config" (include "pakaura.fullname" .) }}
{{- end }}

{{- define "pakaura.secretName" -}}
{{- printf "%s-secrets" (include "pakaura.fullname" .) }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "pakaura.labels" -}}
helm.sh/chart: {{ include "pakaura.chart" . }}
app.kubernetes.io/name: {{ include "pakaura.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pakaura
{{- end }}

{{/*
Selector labels of one component; call with (dict "ctx" $ "component" "api").
`app: <component>` is kept for the spec's `kubectl logs -l app=api`.
*/}}
{{- define "pakaura.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pakaura.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app: {{ .component }}
{{- end }}

{{/* Full label set of one component's objects and pods; same argument as selectorLabels. */}}
{{- define "pakaura.componentLabels" -}}
{{ include "pakaura.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
app: {{ .component }}
{{- end }}

{{/* Image reference of a Pakaura image: fixed tag, appVersion by default, never `latest`. */}}
{{- define "pakaura.image" -}}
{{- $tag := .image.tag | default .ctx.Values.global.imageTag | default .ctx.Chart.AppVersion }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}

{{- define "pakaura.dbHost" -}}
{{- printf "postgresql.%s.svc.%s" .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{- define "pakaura.frontendUrl" -}}
{{- .Values.api.env.frontendUrl | default (printf "http://%s" .Values.ingress.hostname) }}
{{- end }}

{{/*
True ("true") when rendering against a cluster. `lookup` returns an empty map under `helm template`
and client-side dry runs, and kube-system exists in every cluster, so its absence means offline.
*/}}
{{- define "pakaura.online" -}}
{{- if (lookup "v1" "Namespace" "" "kube-system") }}true{{ end }}
{{- end }}

{{/*
The Secret's data, computed once per render and memoised in .Values so that the Secret and the
`checksum/secret` annotations agree. Explicit values win; otherwise keys of the existing Secret are
kept (upgrade, reinstall after uninstall thanks to resource-policy keep); only missing keys are
generated. Returns base64-encoded values as JSON.
*/}}
{{- define "pakaura.secretData" -}}
{{- if not (hasKey .Values "__pakauraSecretData") }}
{{- $existing := dict }}
{{- $found := lookup "v1" "Secret" .Release.Namespace (include "pakaura.secretName" .) }}
{{- if and $found $found.data }}
{{- $existing = $found.data }}
{{- end }}
{{- $data := dict }}
{{- $explicit := dict "DB_PASSWORD" .Values.secrets.dbPassword "JWT_SECRET" .Values.secrets.jwtSecret "COHERE_API_KEY" .Values.secrets.cohereApiKey }}
{{- range $key := list "DB_PASSWORD" "JWT_SECRET" "COHERE_API_KEY" }}
{{- $value := index $explicit $key }}
{{- if $value }}
{{- $_ := set $data $key ($value | b64enc) }}
{{- else if hasKey $existing $key }}
{{- $_ := set $data $key (index $existing $key) }}
{{- else if eq $key "COHERE_API_KEY" }}
{{- /* Optional: empty means demo mode, never generated. */}}
{{- $_ := set $data $key "" }}
{{- else }}
{{- $_ := set $data $key (randAlphaNum 40 | b64enc) }}
{{- end }}
{{- end }}
{{- $_ := set .Values "__pakauraSecretData" $data }}
{{- end }}
{{- toJson (index .Values "__pakauraSecretData") }}
{{- end }}

{{/* Restricted pod-level settings shared by every pod; call with the component's values. */}}
{{- define "pakaura.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .podSecurityContext | nindent 2 }}
{{- with .ctx.Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A probe from values: omitted when `enabled` is false, else every field but `enabled`. */}}
{{- define "pakaura.probe" -}}
{{- if .probe.enabled }}
{{ .name }}:
  {{- toYaml (omit .probe "enabled") | nindent 2 }}
{{- end }}
{{- end }}

{{/*
preStop sleep for graceful drain: endpoints are removed asynchronously, so the pod keeps serving a
few seconds after SIGTERM is due. Default: exec `sleep` (python-slim and node images have it);
global.preStopSleepAction uses the kubelet's built-in sleep action (Kubernetes 1.30+) instead.
Call with (dict "ctx" $ "seconds" N).
*/}}
{{- define "pakaura.preStop" -}}
{{- if gt (int .seconds) 0 }}
lifecycle:
  preStop:
    {{- if .ctx.Values.global.preStopSleepAction }}
    sleep:
      seconds: {{ int .seconds }}
    {{- else }}
    exec:
      command: ["sleep", "{{ .seconds }}"]
    {{- end }}
{{- end }}
{{- end }}

{{/*
Environment of the API and the migration Job: non-secret config from the ConfigMap, each secret by
its own secretKeyRef (nothing secret appears in the pod spec).
*/}}
{{- define "pakaura.apiEnv" -}}
envFrom:
  - configMapRef:
      name: {{ include "pakaura.configName" . }}
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "pakaura.secretName" . }}
        key: DB_PASSWORD
  - name: JWT_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ include "pakaura.secretName" . }}
        key: JWT_SECRET
  - name: COHERE_API_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "pakaura.secretName" . }}
        key: COHERE_API_KEY
        optional: true
  {{- with .Values.api.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Checksums that roll pods when the ConfigMap or the Secret changes. */}}
{{- define "pakaura.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include "pakaura.secretData" . | sha256sum }}
{{- end }}

{{/*
checkov skip for "pods without a NetworkPolicy", emitted only while NetworkPolicies are switched
off, so enabling them brings the check back. Call with (dict "ctx" $ "index" N).
*/}}
{{- define "pakaura.checkovNetpolSkip" -}}
{{- if not .ctx.Values.networkPolicy.enabled }}
checkov.io/skip{{ .index }}: CKV2_K8S_6=NetworkPolicies are optional (networkPolicy.enabled is false) because local CNIs often do not enforce them; the chart's policies are checked when enabled
{{- end }}
{{- end }}
