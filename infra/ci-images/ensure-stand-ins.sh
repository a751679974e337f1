#!/usr/bin/env bash
# Make the CI stand-ins for the official base images available in the current Docker engine
# (DOCKER_HOST), with no container registry:
#   python:3.11-slim    Debian bookworm + python3 3.11.2
#   node:20-alpine      Debian bookworm (not Alpine) + the host's Node.js 20 and npm
#   postgres:16-alpine  Debian bookworm + PostgreSQL 15 (bookworm has no 16)
# Tagged with the official names so infra/docker/*.Dockerfile and compose.yaml run unmodified.
# They are a CI device only; images built on a laptop use the real official bases.
#
# Order of preference: already in the engine with the current recipe key → `docker load` from
# the cache folder → build (debootstrap a bookworm minbase rootfs, `docker import` it, build the
# three stand-ins on top) and `docker save` into the cache. The key hashes the recipes in this
# folder, the host's Node.js/npm and the host's extra CA certificates, so editing any of them
# rebuilds.
#
# Needs: apt packages docker.io and debootstrap, root, the Debian mirror reachable.
# Env: PAKAURA_CI_IMAGE_CACHE (default /var/cache/pakaura/ci-images),
#      PAKAURA_CI_WORK (default /var/tmp/pakaura-ci-images), PAKAURA_DEBIAN_MIRROR,
#      PAKAURA_CI_STANDINS_REPLACE=1 to overwrite images of the same name that are not stand-ins.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
docker=(/usr/bin/docker)
cache_root="${PAKAURA_CI_IMAGE_CACHE:-/var/cache/pakaura/ci-images}"
work="${PAKAURA_CI_WORK:-/var/tmp/pakaura-ci-images}"
images=(python:3.11-slim node:20-alpine postgres:16-alpine)
key_label=org.pakaura.ci.stand-in-key

log() { printf '[stand-ins] %s\n' "$*" >&2; }

debian_mirror() {
  if [[ -n "${PAKAURA_DEBIAN_MIRROR:-}" ]]; then
    echo "$PAKAURA_DEBIAN_MIRROR"
    return
  fi
  # The first Debian (not -security) URI of the host's apt sources, deb822 or one-line style.
  local uri
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ && $2 !~ /security/ && $2 ~ /debian/ {print $2; exit}')"
  if [[ -z "$uri" ]]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" && $2 !~ /security/ && $2 ~ /debian/ {print $2; exit}')"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

host_ca_files() { find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort; }

recipe_key() {
  {
    (cd "$here" && sha256sum -- *.Dockerfile *.sh *.cfg)
    node --version
    npm --version
    debian_mirror
    host_ca_files | xargs -r sha256sum
  } | sha256sum | cut -c1-16
}

current() {
  local img
  for img in "${images[@]}"; do
    [[ "$("${docker[@]}" image inspect -f "{{ index .Config.Labels \"$key_label\" }}" \
      "$img" 2>/dev/null)" == "$key" ]] || return 1
  done
}

refuse_to_shadow_real_images() {
  local img label
  [[ "${PAKAURA_CI_STANDINS_REPLACE:-}" == 1 ]] && return 0
  for img in "${images[@]}"; do
    "${docker[@]}" image inspect "$img" >/dev/null 2>&1 || continue
    label="$("${docker[@]}" image inspect -f "{{ index .Config.Labels \"$key_label\" }}" "$img")"
    if [[ -z "$label" || "$label" == "<no value>" ]]; then
      log "refusing to replace $img: it is not a Pakaura stand-in (PAKAURA_CI_STANDINS_REPLACE=1)"
      exit 1
    fi
  done
}

build_rootfs_image() {
  local base_tag="$1" rootfs="$work/rootfs" mirror
  mirror="$(debian_mirror)"
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  log "debootstrap bookworm minbase from $mirror"
  debootstrap --variant=minbase --include=ca-certificates,adduser bookworm "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  install -m 0644 "$here/dpkg-slim.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/slim"
  # The same trim for what debootstrap already unpacked (copyright files stay).
  find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda}/* "$rootfs/usr/share/locale"/*/
  # Builds on top reach PyPI and npm through a TLS-intercepting proxy: trust the host's CAs.
  local ca
  while read -r ca; do
    [[ -n "$ca" ]] && install -m 0644 "$ca" "$rootfs/usr/local/share/ca-certificates/"
  done < <(host_ca_files)
  chroot "$rootfs" update-ca-certificates >>"$work/debootstrap.log" 2>&1
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
  tar -C "$rootfs" --numeric-owner -c . |
    "${docker[@]}" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$base_tag" >/dev/null
  rm -rf "$rootfs"
}

build_stand_ins() {
  local base_tag="pakaura-ci/bookworm:$key" node_ctx="$work/node-context"
  local common=(--build-arg "BASE=$base_tag" --label "$key_label=$key"
    --label org.pakaura.ci.stand-in=true)
  build_rootfs_image "$base_tag"

  log "python:3.11-slim (bookworm python3 3.11.2)"
  "${docker[@]}" build -q "${common[@]}" -t python:3.11-slim \
    -f "$here/python-3.11-slim.Dockerfile" "$here" >/dev/null

  log "node:20-alpine (host Node.js $(node --version) on Debian)"
  rm -rf "$node_ctx"
  mkdir -p "$node_ctx/node/bin" "$node_ctx/node/lib/node_modules"
  cp "$(command -v node)" "$node_ctx/node/bin/node"
  cp -r "$(npm root -g)/npm" "$node_ctx/node/lib/node_modules/npm"
  "${docker[@]}" build -q "${common[@]}" --build-arg "NODE_VERSION=$(node --version)" \
    -t node:20-alpine -f "$here/node-20-alpine.Dockerfile" "$node_ctx" >/dev/null
  rm -rf "$node_ctx"

  log "postgres:16-alpine (PostgreSQL 15 from bookworm)"
  "${docker[@]}" build -q "${common[@]}" -t postgres:16-alpine \
    -f "$here/postgres-16-alpine.Dockerfile" "$here" >/dev/null
  "${docker[@]}" image rm "$base_tag" >/dev/null
}

main() {
  export DOCKER_BUILDKIT=1
  mkdir -p "$work"
  key="$(recipe_key)"
  local cache="$cache_root/$key" started=$SECONDS
  if current; then
    log "up to date (key $key)"
    return 0
  fi
  refuse_to_shadow_real_images
  if [[ -s "$cache/stand-ins.tar" ]]; then
    log "loading $cache/stand-ins.tar"
    "${docker[@]}" load -q -i "$cache/stand-ins.tar" >/dev/null
    if current; then
      log "loaded in $((SECONDS - started)) s (key $key)"
      return 0
    fi
  fi
  build_stand_ins
  current || {
    log "built images do not carry key $key"
    exit 1
  }
  mkdir -p "$cache"
  "${docker[@]}" save -o "$cache/stand-ins.tar.partial" "${images[@]}"
  mv "$cache/stand-ins.tar.partial" "$cache/stand-ins.tar"
  # Older keys are dead weight (~600 MB each): keep only the current one.
  find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
  log "built and cached in $((SECONDS - started)) s: $cache/stand-ins.tar (key $key)"
}

main "$@"
