#!/usr/bin/env bash
# Entrypoint of the CI stand-in for postgres:16-alpine (PostgreSQL 15 from Debian bookworm).
# A compact re-implementation of the official image's contract: started as root it prepares
# PGDATA and re-runs itself as `postgres` (uid 70); initialises the cluster only when PGDATA is
# empty (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB, or their *_FILE variants), runs
# /docker-entrypoint-initdb.d/*.sh|*.sql once, then execs the server listening on all addresses
# with scram-sha-256 password auth.
set -Eeuo pipefail

# VAR or VAR_FILE (Docker/Kubernetes secrets mounted as files), never both.
file_env() {
  local var="$1" def="${2:-}"
  local file_var="${var}_FILE"
  if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
    echo "error: both $var and $file_var are set" >&2
    exit 1
  fi
  local val="$def"
  if [[ -n "${!var:-}" ]]; then
    val="${!var}"
  elif [[ -n "${!file_var:-}" ]]; then
    val="$(<"${!file_var}")"
  fi
  export "$var"="$val"
  unset "$file_var"
}

if [[ "${1:-}" == -* ]]; then
  set -- postgres "$@"
fi

if [[ "${1:-}" != postgres ]]; then
  exec "$@"
fi

if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  file_env POSTGRES_USER postgres
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_DB "$POSTGRES_USER"
  if [[ -z "$POSTGRES_PASSWORD" ]]; then
    echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options, split on purpose
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

  # A temporary server on the Unix socket only, so nothing connects before init is complete.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --host=/var/run/postgresql --username="$POSTGRES_USER" --no-psqlrc)
  if [[ "$POSTGRES_DB" != postgres ]]; then
    # stdin, not -c: psql interpolates :"db" (a safely quoted identifier) only in scripts.
    echo 'CREATE DATABASE :"db"' | "${psql[@]}" --dbname=postgres --set db="$POSTGRES_DB" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck disable=SC1090 # init scripts are supplied by the user at run time
    case "$f" in
      *.sh) echo "running $f" && . "$f" ;;
      *.sql) echo "running $f" && "${psql[@]}" --dbname="$POSTGRES_DB" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset POSTGRES_PASSWORD
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
