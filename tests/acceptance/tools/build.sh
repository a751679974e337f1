#!/usr/bin/env bash
# Build the acceptance clusters' tools from the Go module proxy into a version-keyed cache
# outside the repository, one `go build` at a time (parallel builds thrash a 2-core machine).
#
# Usage: tests/acceptance/tools/build.sh build TOOL...   build what is not cached yet; prints
#                                                         "TOOL DIR" for each (DIR holds the binaries)
#        tests/acceptance/tools/build.sh dir TOOL        print the cache folder (exit 1: not built)
#        tests/acceptance/tools/build.sh status TOOL...  one line each: "TOOL built SECONDS DIR",
#                                                         "TOOL building ELAPSED TYPICAL" or
#                                                         "TOOL missing TYPICAL" (seconds; TYPICAL is
#                                                         a cold build on a loaded 2-core machine)
#        tests/acceptance/tools/build.sh list            the tools and their versions
# TOOL: kubernetes etcd containerd coredns traefik kwok, or `real-node` (the first five) or `all`.
#
# Each tool is a pinned wrapper module next to this script (tools/<tool>/go.mod, go.sum,
# tools.go), built with -mod=readonly so every module is checked against the committed go.sum.
# The cache folder's name holds the version and a hash of the module files, the build flags and
# the Go version: changing any of them builds again, into a new folder.
#   kubernetes  kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
#               v1.36.3, in ONE go build (they share most packages)
#   etcd        etcd v3.6.14
#   containerd  containerd containerd-shim-runc-v2 ctr v2.2.9
#   coredns     coredns v1.14.7
#   traefik     traefik v3.6.9 (the real node's ingress controller for class `nginx`)
#   kwok        kwok kwokctl v0.8.0 (the kwok fallback cluster)
# Env: PAKAURA_TOOL_CACHE (default ~/.cache/pakaura-tools).
# Cold times measured on 2 busy cores, in this order: kubernetes 14 min, etcd 1, containerd 2,
# coredns 5, traefik 19 (~41 min in all); `build` prints each one and records it in
# DIR/.build-seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${PAKAURA_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pakaura-tools}"
real_node_tools=(kubernetes etcd containerd coredns traefik)

version_of() {
  case "$1" in
    kubernetes) echo v1.36.3 ;;
    etcd) echo v3.6.14 ;;
    containerd) echo v2.2.9 ;;
    coredns) echo v1.14.7 ;;
    traefik) echo v3.6.9 ;;
    kwok) echo v0.8.0 ;;
    *) return 1 ;;
  esac
}

# A cold build's seconds on a busy 2-core machine (load 8-15), in the order of `real-node`
# (later builds reuse packages the earlier ones compiled): measured, rounded up. CI's time
# budget uses them (noxfile.py, acceptance-real-node).
typical_cold_seconds() {
  case "$1" in
    kubernetes) echo 900 ;;
    etcd) echo 120 ;;
    containerd) echo 180 ;;
    coredns) echo 360 ;;
    traefik) echo 1200 ;;
    kwok) echo 300 ;;
  esac
}

# The binaries a tool's cache folder must hold.
binaries_of() {
  case "$1" in
    kubernetes) echo kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl ;;
    etcd) echo etcd ;;
    containerd) echo containerd containerd-shim-runc-v2 ctr ;;
    coredns) echo coredns ;;
    traefik) echo traefik ;;
    kwok) echo kwok kwokctl ;;
  esac
}

# Sets pkgs, tags, cgo and ldflags for one tool.
recipe() {
  local v
  v="$(version_of "$1")"
  tags="" ldflags="-s -w" pkgs=()
  case "$1" in
    kubernetes)
      local minor="${v#v1.}"
      minor="${minor%%.*}"
      tags="selinux,notest"
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor"
        ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
      done
      for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
        pkgs+=("k8s.io/kubernetes/cmd/$c")
      done
      ;;
    etcd) pkgs=(go.etcd.io/etcd/server/v3) ;;
    containerd)
      tags="no_btrfs"
      ldflags+=" -X github.com/containerd/containerd/v2/version.Version=$v"
      ldflags+=" -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"
      for c in containerd containerd-shim-runc-v2 ctr; do
        pkgs+=("github.com/containerd/containerd/v2/cmd/$c")
      done
      ;;
    coredns) pkgs=(github.com/coredns/coredns) ;;
    traefik)
      ldflags+=" -X github.com/traefik/traefik/v3/pkg/version.Version=$v"
      pkgs=(github.com/traefik/traefik/v3/cmd/traefik)
      ;;
    kwok)
      ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.Version=$v"
      pkgs=(sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
      ;;
  esac
}

cache_dir() {
  local tool="$1" key
  recipe "$tool"
  key="$(
    {
      cat "$here/$tool/go.mod" "$here/$tool/go.sum" "$here/$tool/tools.go"
      printf '%s\n' "$tags" "$ldflags" "${pkgs[@]}"
      go env GOVERSION GOOS GOARCH
    } | sha256sum | cut -c1-12
  )"
  echo "$cache/$tool-$(version_of "$tool")-$key"
}

built() {
  local dir="$1" tool="$2" b
  for b in $(binaries_of "$tool"); do [[ -x "$dir/$b" ]] || return 1; done
}

need_go() {
  command -v go >/dev/null 2>&1 || {
    echo "error: go not found: Go >= 1.26 builds the cluster tools from the Go module proxy" >&2
    exit 2
  }
  local v
  v="$(go env GOVERSION)"
  v="${v#go}"
  if ! printf '1.26\n%s\n' "$v" | sort -V -C; then
    echo "error: Go $v is too old: Go >= 1.26 builds Kubernetes v1.36" >&2
    exit 2
  fi
}

build_one() {
  local tool="$1" dir tmp started seconds
  dir="$(cache_dir "$tool")"
  recipe "$tool"
  if built "$dir" "$tool"; then
    echo "$tool $dir"
    return 0
  fi
  mkdir -p "$cache"
  # One build at a time, also across processes (CI starts builds in the background).
  exec {lock}>"$cache/.build.lock"
  flock "$lock"
  if built "$dir" "$tool"; then # another process built it while we waited
    exec {lock}>&-
    echo "$tool $dir"
    return 0
  fi
  echo "building $tool $(version_of "$tool") into $dir" >&2
  started=$SECONDS
  echo "$tool $(date +%s)" >"$cache/.building"
  tmp="$dir.partial.$$"
  rm -rf "$dir".partial.* # an interrupted earlier build
  mkdir -p "$tmp"
  (
    cd "$here/$tool"
    # -mod=readonly: every module is checked against the committed go.sum; nothing is rewritten.
    if ((${#pkgs[@]} == 1)); then
      CGO_ENABLED=0 go build -mod=readonly -trimpath -tags "$tags" -ldflags "$ldflags" \
        -o "$tmp/$(binaries_of "$tool")" "${pkgs[@]}"
    else
      CGO_ENABLED=0 go build -mod=readonly -trimpath -tags "$tags" -ldflags "$ldflags" \
        -o "$tmp/" "${pkgs[@]}"
    fi
  ) >&2
  built "$tmp" "$tool" || {
    echo "error: building $tool produced no $(binaries_of "$tool")" >&2
    exit 1
  }
  seconds=$((SECONDS - started))
  rm -f "$cache/.building"
  echo "$seconds" >"$tmp/.build-seconds"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  # older keys of the same tool are dead weight
  find "$cache" -mindepth 1 -maxdepth 1 -type d -name "$tool-v*" ! -path "$dir" \
    ! -name '*.partial.*' -exec rm -rf {} +
  exec {lock}>&-
  echo "built $tool $(version_of "$tool") in ${seconds}s" >&2
  echo "$tool $dir"
}

expand() {
  local t
  for t in "$@"; do
    case "$t" in
      real-node) printf '%s\n' "${real_node_tools[@]}" ;;
      all) printf '%s\n' "${real_node_tools[@]}" kwok ;;
      *)
        version_of "$t" >/dev/null || {
          echo "error: unknown tool $t" >&2
          exit 64
        }
        echo "$t"
        ;;
    esac
  done
}

usage() {
  echo "usage: $0 build TOOL...|dir TOOL|list  (TOOL: kubernetes etcd containerd coredns traefik kwok real-node all)" >&2
  exit 64
}

case "${1:-}" in
  build)
    shift
    (($# > 0)) || usage
    need_go
    mapfile -t tools < <(expand "$@")
    for t in "${tools[@]}"; do build_one "$t"; done
    ;;
  dir)
    (($# == 2)) || usage
    need_go
    version_of "$2" >/dev/null || usage
    d="$(cache_dir "$2")"
    echo "$d"
    built "$d" "$2"
    ;;
  status)
    shift
    (($# > 0)) || usage
    need_go
    mapfile -t tools < <(expand "$@")
    for t in "${tools[@]}"; do
      d="$(cache_dir "$t")"
      if built "$d" "$t"; then
        echo "$t built $(cat "$d/.build-seconds" 2>/dev/null || echo 0) $d"
      elif [[ -s "$cache/.building" ]] && read -r b since <"$cache/.building" && [[ "$b" == "$t" ]] &&
        ! flock -n "$cache/.build.lock" true; then
        echo "$t building $(($(date +%s) - since)) $(typical_cold_seconds "$t")"
      else
        echo "$t missing $(typical_cold_seconds "$t")"
      fi
    done
    ;;
  list)
    for t in "${real_node_tools[@]}" kwok; do echo "$t $(version_of "$t"): $(binaries_of "$t")"; done
    ;;
  *) usage ;;
esac
