{{/* Names and labels. */}}
{{- define "voelgoed.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "voelgoed.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "voelgoed.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "voelgoed.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "voelgoed.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "voelgoed.fullname" .)) -}}
{{- end -}}

{{/* The non-secret settings (the ConfigMap's data; the migrations hook has its own copy). */}}
{{- define "voelgoed.configData" -}}
PUBLIC_URL: {{ required "publicUrl is required (https://...)" .Values.publicUrl | quote }}
HOST: "0.0.0.0"
PORT: "8000"
VOELGOED_DATA_DIR: /tmp/voelgoed
{{- range $key, $value := .Values.config }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- include "voelgoed.mediaConfig" . }}
{{- end -}}

{{/* Where uploaded images live (values: media): a bucket or a shared volume, exactly one, as
production refuses to start without MEDIA_S3_BUCKET or MEDIA_DIR. A bucket given the old way, as
config.MEDIA_S3_BUCKET, still counts. */}}
{{- define "voelgoed.mediaConfig" -}}
{{- $m := .Values.media -}}
{{- $bucket := $m.s3.bucket | default (get .Values.config "MEDIA_S3_BUCKET") -}}
{{- $pvc := $m.persistentVolumeClaim -}}
{{- if and $bucket $pvc.enabled -}}
{{- fail "media: choose one place for uploaded images, media.s3.bucket or media.persistentVolumeClaim, not both" -}}
{{- else if not (or $bucket $pvc.enabled) -}}
{{- fail "media.s3.bucket or media.persistentVolumeClaim.enabled is required: uploaded images (MEDIA_S3_BUCKET or MEDIA_DIR) must outlive a pod and be shared by every API and worker pod (docs/operations.md)" -}}
{{- end -}}
{{- $media := dict "MEDIA_S3_BUCKET" $m.s3.bucket "MEDIA_S3_REGION" $m.s3.region "MEDIA_S3_ENDPOINT_URL" $m.s3.endpointUrl "MEDIA_PUBLIC_BASE_URL" $m.publicBaseUrl -}}
{{- if $pvc.enabled -}}
{{- $_ := set $media "MEDIA_DIR" (required "media.persistentVolumeClaim.mountPath is required" $pvc.mountPath) -}}
{{- end -}}
{{- range $key, $value := $media }}
{{- if $value }}
{{- if hasKey $.Values.config $key }}
{{- fail (printf "%s is set both in config and in media: keep it in media only" $key) }}
{{- end }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "voelgoed.mediaClaimName" -}}
{{- .Values.media.persistentVolumeClaim.existingClaim | default (printf "%s-media" (include "voelgoed.fullname" .)) -}}
{{- end -}}

{{/* The secret settings (base64), when the chart makes the Secret. */}}
{{- define "voelgoed.secretData" -}}
{{- $s := .Values.secrets -}}
SECRET_KEY: {{ required "secrets.SECRET_KEY is required (or set existingSecret)" $s.SECRET_KEY | b64enc | quote }}
DATABASE_URL: {{ required "secrets.DATABASE_URL is required (or set existingSecret)" $s.DATABASE_URL | b64enc | quote }}
MIGRATIONS_DATABASE_URL: {{ $s.MIGRATIONS_DATABASE_URL | default $s.DATABASE_URL | b64enc | quote }}
DATABASE_DIRECT_URL: {{ $s.DATABASE_DIRECT_URL | default $s.MIGRATIONS_DATABASE_URL | default $s.DATABASE_URL | b64enc | quote }}
REDIS_URL: {{ required "secrets.REDIS_URL is required (or set existingSecret)" $s.REDIS_URL | b64enc | quote }}
SMTP_HOST: {{ required "secrets.SMTP_HOST is required (or set existingSecret)" $s.SMTP_HOST | b64enc | quote }}
{{- with $s.SMTP_USERNAME }}
SMTP_USERNAME: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.SMTP_PASSWORD }}
SMTP_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.METRICS_TOKEN }}
METRICS_TOKEN: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.MEDIA_S3_ACCESS_KEY_ID }}
MEDIA_S3_ACCESS_KEY_ID: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.MEDIA_S3_SECRET_ACCESS_KEY }}
MEDIA_S3_SECRET_ACCESS_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- end -}}

{{/* The container settings every process shares. */}}
{{- define "voelgoed.containerSecurity" -}}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}
