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

{{/* The Secret every pod reads: the user's (secrets.existingSecret) or the chart's own. */}}
{{- define "pakaura.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "pakaura.fullname" .)) }}
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

{{/*
Where the API, the migration Job and the backup connect: the in-cluster StatefulSet's Service, or
externalDatabase when postgresql.enabled is false. Returns JSON {host, port, database, user,
sslMode, maxConnections}.
*/}}
{{- define "pakaura.database" -}}
{{- if .Values.postgresql.enabled }}
{{- toJson (dict
  "host" (printf "postgresql.%s.svc.%s" .Release.Namespace .Values.clusterDomain)
  "port" (int .Values.postgresql.service.port)
  "database" .Values.postgresql.auth.database
  "user" .Values.postgresql.auth.username
  "sslMode" "disable"
  "maxConnections" (int .Values.postgresql.maxConnections)) }}
{{- else }}
{{- with .Values.externalDatabase }}
{{- toJson (dict
  "host" .host "port" (int .port) "database" .database "user" .user
  "sslMode" .sslMode "maxConnections" (int .maxConnections)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* secretKeyRef of the database password: externalDatabase.existingSecret, else the chart's. */}}
{{- define "pakaura.dbPasswordRef" -}}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.existingSecret }}
name: {{ .Values.externalDatabase.existingSecret }}
key: {{ .Values.externalDatabase.existingSecretPasswordKey }}
{{- else }}
name: {{ include "pakaura.secretName" . }}
key: {{ .Values.secrets.secretKeys.dbPassword }}
{{- end }}
{{- end }}

{{/*
API worker processes per pod: api.workers, or (0) the CPU limit rounded up, at least 1 - the rule
`pakaura-api serve` applies inside the container, computed here because the connection budget
(validations.yaml) needs the number.
*/}}
{{- define "pakaura.apiWorkers" -}}
{{- if gt (int .Values.api.workers) 0 }}
{{- int .Values.api.workers }}
{{- else }}
{{- $cpu := toString (dig "limits" "cpu" "" .Values.api.resources) }}
{{- if not $cpu }}
{{- fail "api.workers is 0 (derive from the CPU limit) but api.resources.limits.cpu is not set: set one of them" }}
{{- end }}
{{- $millis := 0 }}
{{- if hasSuffix "m" $cpu }}
{{- $millis = int (trimSuffix "m" $cpu) }}
{{- else }}
{{- $millis = int (mulf (float64 $cpu) 1000) }}
{{- end }}
{{- max 1 (div (add $millis 999) 1000) }}
{{- end }}
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
{{- $keys := .Values.secrets.secretKeys }}
{{- $explicit := dict $keys.dbPassword .Values.secrets.dbPassword $keys.jwtSecret .Values.secrets.jwtSecret $keys.cohereApiKey .Values.secrets.cohereApiKey }}
{{- range $key := list $keys.dbPassword $keys.jwtSecret $keys.cohereApiKey }}
{{- $value := index $explicit $key }}
{{- if $value }}
{{- $_ := set $data $key ($value | b64enc) }}
{{- else if hasKey $existing $key }}
{{- $_ := set $data $key (index $existing $key) }}
{{- else if eq $key $keys.cohereApiKey }}
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
preStop drain: endpoints are removed asynchronously, so a stopping pod keeps serving a few seconds
before SIGTERM. global.preStopMode auto uses the kubelet's built-in sleep action where the cluster
has it (Kubernetes 1.30+, .Capabilities.KubeVersion; `helm template` assumes its client's version,
`--kube-version` overrides) and otherwise `sleep` inside the container (the python-slim and node
images have it). Call with (dict "ctx" $ "seconds" N).
*/}}
{{- define "pakaura.preStop" -}}
{{- if gt (int .seconds) 0 }}
{{- $mode := .ctx.Values.global.preStopMode }}
{{- if eq $mode "auto" }}
{{- $mode = ternary "sleepAction" "exec" (semverCompare ">=1.30.0-0" .ctx.Capabilities.KubeVersion.Version) }}
{{- end }}
lifecycle:
  preStop:
    {{- if eq $mode "sleepAction" }}
    sleep:
      seconds: {{ int .seconds }}
    {{- else }}
    exec:
      command: ["sleep", "{{ int .seconds }}"]
    {{- end }}
{{- end }}
{{- end }}

{{/*
Spread a component's pods over nodes: the values' full override, else one constraint built from
topologySpread (soft by default). A constraint without labelSelector gets the component's.
Call with (dict "ctx" $ "component" "api" "values" .Values.api).
*/}}
{{- define "pakaura.topologySpread" -}}
{{- $selector := dict "matchLabels" (include "pakaura.selectorLabels" (dict "ctx" .ctx "component" .component) | fromYaml) }}
{{- $constraints := list }}
{{- if .values.topologySpreadConstraints }}
{{- range .values.topologySpreadConstraints }}
{{- $constraints = append $constraints (merge (deepCopy .) (dict "labelSelector" $selector)) }}
{{- end }}
{{- else if .values.topologySpread.enabled }}
{{- with .values.topologySpread }}
{{- $constraints = list (dict "maxSkew" (int .maxSkew) "topologyKey" .topologyKey "whenUnsatisfiable" .whenUnsatisfiable "labelSelector" $selector) }}
{{- end }}
{{- end }}
{{- with $constraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
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
        {{- include "pakaura.dbPasswordRef" . | trim | nindent 8 }}
  - name: JWT_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ include "pakaura.secretName" . }}
        key: {{ .Values.secrets.secretKeys.jwtSecret }}
  - name: COHERE_API_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "pakaura.secretName" . }}
        key: {{ .Values.secrets.secretKeys.cohereApiKey }}
        optional: true
  {{- with .Values.api.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Checksums that roll pods when the ConfigMap or the Secret changes. */}}
{{- define "pakaura.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include "pakaura.secretData" . | sha256sum }}
{{- end }}
{{- end }}

{{/*
checkov skip for "pods without a NetworkPolicy", emitted only while NetworkPolicies are switched
off, so the check counts whenever they are on (the default). Call with (dict "ctx" $ "index" N).
*/}}
{{- define "pakaura.checkovNetpolSkip" -}}
{{- if not .ctx.Values.networkPolicy.enabled }}
checkov.io/skip{{ .index }}: CKV2_K8S_6=networkPolicy.enabled is false on request (a CNI without NetworkPolicy support); the chart's policies are on by default and checked then
{{- end }}
{{- end }}
