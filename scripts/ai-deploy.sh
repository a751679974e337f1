#!/usr/bin/env bash
# Pakaura deployment front door (the spec's ai-deploy.sh): a thin wrapper over the invoke tasks in
# tasks.py, so the shell script and `invoke <task>` always do the same thing.
#
# It bootstraps the tooling venv (scripts/bootstrap.sh), maps the spec's commands and flags onto
# tasks and exits with the task's exit code: 0 ok, 1 failure, 2 missing prerequisite,
# 3 unhealthy, 64 bad usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(cat "$root/VERSION" 2>/dev/null || echo "?")"

show_help() {
    cat <<EOF_HELP
Pakaura deployment tool v${version}

Usage: $(basename "$0") COMMAND [OPTIONS]      (COMMAND may also be written --COMMAND)

Commands:
  setup       Start Minikube, enable ingress + metrics-server, build images, deploy, show status
  deploy      Deploy or upgrade the release via Helm (no change when nothing changed)
  status      Health of every service, the URL, and a verdict per service
  logs [SVC]  Logs of api (default) | frontend | postgresql | migrate   (-f to follow)
  destroy     Uninstall the release (keeps the data; --purge-data removes it)
  doctor      Diagnose a broken deployment and print the fixes
  dev         Run Pakaura on this machine without a cluster (API + web app, SQLite)
  help        Show this help

Options:
  --namespace NS     Kubernetes namespace (default: pakaura)
  --values FILE      Extra Helm values file (repeatable)
  --set KEY=VALUE    Extra Helm value (repeatable)
  --dry-run          deploy only: render and validate without applying
  --cluster NAME     minikube | kind | current (default: minikube for setup, else current)
  --purge-data       destroy only: also delete the database volume and Secret
  -f, --follow       logs only: keep streaming
  --host ADDR        dev only: address to listen on (default 127.0.0.1)
  --api-port N       dev only: API port (default 8000)
  --web-port N       dev only: web app port (default 3000)

Examples:
  $(basename "$0") setup                      # full setup from scratch
  $(basename "$0") deploy --values prod.yaml
  $(basename "$0") --status
  $(basename "$0") logs api -f
  $(basename "$0") destroy
  $(basename "$0") dev                        # no cluster: the app on http://localhost:3000

Exit codes: 0 ok, 1 failure, 2 missing prerequisite, 3 unhealthy, 64 bad usage.
Every command is also an invoke task: \`invoke --list\` in ${root}.
EOF_HELP
}

usage_error() {
    echo "error: $1" >&2
    echo "run '$(basename "$0") help' for the commands and options" >&2
    exit 64
}

command="${1:-help}"
[[ $# -gt 0 ]] && shift
command="${command#--}"
case "$command" in
    setup | deploy | status | logs | destroy | doctor | dev) ;;
    help | -h) show_help; exit 0 ;;
    *) usage_error "unknown command '$command'" ;;
esac

args=()
service=""
dry_run=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        --namespace | --values | --set | --cluster | --host | --api-port | --web-port)
            [[ $# -ge 2 ]] || usage_error "$1 needs a value"
            flag="$1" value="$2"
            shift 2
            ;;
        --namespace=* | --values=* | --set=* | --cluster=* | --host=* | --api-port=* | --web-port=*)
            flag="${1%%=*}" value="${1#*=}"
            shift
            ;;
        --dry-run) dry_run=true; shift; continue ;;
        --purge-data)
            [[ "$command" == destroy ]] || usage_error "--purge-data only applies to destroy"
            args+=(--purge-data); shift; continue ;;
        -f | --follow)
            [[ "$command" == logs ]] || usage_error "$1 only applies to logs"
            args+=(--follow); shift; continue ;;
        -h | --help) show_help; exit 0 ;;
        -*) usage_error "unknown option '$1'" ;;
        *)
            [[ "$command" == logs && -z "$service" ]] || usage_error "unexpected argument '$1'"
            service="$1"; shift; continue ;;
    esac
    case "$flag" in
        --values | --set)
            [[ "$command" == setup || "$command" == deploy ]] \
                || usage_error "$flag only applies to setup and deploy"
            args+=("$flag" "$value")
            ;;
        --namespace | --cluster)
            [[ "$command" != dev ]] || usage_error "$flag does not apply to dev (no cluster)"
            args+=("$flag" "$value")
            ;;
        --host | --api-port | --web-port)
            [[ "$command" == dev ]] || usage_error "$flag only applies to dev"
            args+=("$flag" "$value")
            ;;
    esac
done

if $dry_run; then
    [[ "$command" == deploy ]] || usage_error "--dry-run only applies to deploy"
    args+=(--dry-run)
fi
if [[ "$command" == logs ]]; then
    args=("${service:-api}" ${args[@]+"${args[@]}"})
fi

"$root/scripts/bootstrap.sh"
exec "$root/.venv/bin/invoke" --search-root "$root" "$command" ${args[@]+"${args[@]}"}
