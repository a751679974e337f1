#!/usr/bin/env bash
# Start, stop or inspect a private Docker engine for Pakaura's container checks.
#
# Usage: scripts/container-engine.sh start|stop|status|env
#
# Machines without systemd (CI among them) have no running engine, so this starts Debian's
# `dockerd` (apt: docker.io) by hand with its own data root, exec root, socket and pid file
# under PAKAURA_ENGINE_DIR (default /var/tmp/pakaura-engine, outside the repo). It never touches
# a system-wide engine. `start` and `env` print `DOCKER_HOST=unix://…` for the caller to export.
#
# Use Debian's clients explicitly: /usr/bin/docker (20.10, built-in BuildKit) and docker-compose
# (v1); a newer CLI without buildx may come first on PATH. Where another dockerd already runs (a
# laptop's), use that one instead (nox: PAKAURA_DOCKER_HOST=...): two daemons share docker0.
set -euo pipefail

engine_dir="${PAKAURA_ENGINE_DIR:-/var/tmp/pakaura-engine}"
sock="$engine_dir/docker.sock"
pidfile="$engine_dir/docker.pid"
log="$engine_dir/dockerd.log"
docker_cli="${PAKAURA_DOCKER_CLI:-/usr/bin/docker}"
dockerd_bin="${PAKAURA_DOCKERD:-/usr/sbin/dockerd}"
ready_timeout="${PAKAURA_ENGINE_TIMEOUT:-60}"

host_url() { printf 'unix://%s\n' "$sock"; }

running_pid() {
  # The pid from the pid file, if that process is still a dockerd.
  [[ -s "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -d "/proc/$pid" ]] || return 1
  grep -q dockerd "/proc/$pid/comm" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

responds() { DOCKER_HOST="$(host_url)" "$docker_cli" info >/dev/null 2>&1; }

start() {
  if running_pid >/dev/null && responds; then
    echo "engine already running (pid $(running_pid))" >&2
    echo "DOCKER_HOST=$(host_url)"
    return 0
  fi
  [[ -x "$dockerd_bin" ]] || {
    echo "dockerd not found at $dockerd_bin: apt-get install docker.io" >&2
    exit 1
  }
  if [[ -S /var/run/docker.sock ]]; then
    echo "warning: another Docker engine seems to run (/var/run/docker.sock); both use docker0" >&2
  fi
  mkdir -p "$engine_dir/data" "$engine_dir/exec"
  rm -f "$sock" "$pidfile"
  # setsid: the daemon outlives this script and is not hit by a Ctrl-C sent to the caller.
  setsid "$dockerd_bin" \
    --host="$(host_url)" \
    --data-root="$engine_dir/data" \
    --exec-root="$engine_dir/exec" \
    --pidfile="$pidfile" \
    --storage-driver=overlay2 \
    >"$log" 2>&1 </dev/null &
  local waited=0
  until responds; do
    if ((waited >= ready_timeout * 2)); then
      echo "engine did not become ready within ${ready_timeout}s; last log lines:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  echo "engine ready (pid $(running_pid), data root $engine_dir/data)" >&2
  echo "DOCKER_HOST=$(host_url)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "engine not running" >&2
    return 0
  fi
  kill -TERM "$pid"
  # dockerd stops its containers first (10 s grace each, in parallel), then exits.
  for _ in $(seq 1 120); do
    [[ -d "/proc/$pid" ]] || break
    sleep 0.5
  done
  if [[ -d "/proc/$pid" ]]; then
    echo "engine (pid $pid) did not stop in 60 s; sending SIGKILL" >&2
    kill -KILL "$pid"
  fi
  rm -f "$pidfile" "$sock"
  echo "engine stopped" >&2
}

status() {
  local pid
  if pid="$(running_pid)" && responds; then
    echo "running (pid $pid) DOCKER_HOST=$(host_url)"
  else
    echo "stopped"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "DOCKER_HOST=$(host_url)" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
