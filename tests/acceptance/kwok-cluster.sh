#!/usr/bin/env bash
# A real Kubernetes control plane for the acceptance suite's `control_plane` tests, with no
# container registry and no downloads outside the Go module proxy: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl v1.36.3, etcd v3.6.14 and kwok v0.8.0 are
# built from pinned wrapper modules (tests/acceptance/tools/) into a version-keyed cache outside
# the repository (~20 min cold on 2 cores, shared with the real node; nothing on later runs), and
# kwokctl runs them as plain processes with one simulated node. This is the fallback for machines
# without root, iptables or cgroups; elsewhere tests/acceptance/real-node.sh runs real containers.
#
# Usage: tests/acceptance/kwok-cluster.sh up|down|kubeconfig
#   up          build if needed, create the cluster, add one node, the IngressClass `nginx` and a
#               10Gi PersistentVolume (kwok has no ingress controller and no volume provisioner);
#               prints the kubeconfig path
#   down        delete the cluster
#   kubeconfig  print the kubeconfig path
# Then: nox -s acceptance -- --capabilities control_plane --kubeconfig "$(... kubeconfig)"
#
# kwok marks pods Running/Ready and Job pods Succeeded without running containers: this proves
# the chart, helm --wait, lookup, Services/endpoints and self-healing on a real API server, not
# that containers start (that is the `runtime` capability: the real node, Minikube, kind).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION=v1.36.3
NAME="${PAKAURA_KWOK_CLUSTER:-pakaura-acceptance}"
cache="${PAKAURA_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pakaura-tools}"
work="$cache/kwok-work"
export KWOK_WORKDIR="$work"
kubeconfig="$work/$NAME.kubeconfig"

# The binaries come from tools/build.sh (pinned wrapper modules, version-keyed cache): the same
# Kubernetes build as the real node (tests/acceptance/real-node.sh), so nothing compiles twice.
tool_dir() { { "$here/tools/build.sh" dir "$1" 2>/dev/null || true; } | head -n1; }

build() {
    "$here/tools/build.sh" build kubernetes etcd kwok >/dev/null
    k8s_bin="$(tool_dir kubernetes)"
    etcd_bin="$(tool_dir etcd)"
    kwok_bin="$(tool_dir kwok)"
}

up() {
    build
    mkdir -p "$work"
    local kubectl="$k8s_bin/kubectl" # 1.36.3, the server's own minor version
    cat >"$work/kwok.yaml" <<EOF_CONFIG
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  runtime: binary
  kubeVersion: $K8S_VERSION
  bindAddress: 127.0.0.1
  kubeApiserverBinary: $k8s_bin/kube-apiserver
  kubeControllerManagerBinary: $k8s_bin/kube-controller-manager
  kubeSchedulerBinary: $k8s_bin/kube-scheduler
  kubectlBinary: $kubectl
  etcdBinary: $etcd_bin/etcd
  kwokControllerBinary: $kwok_bin/kwok
EOF_CONFIG
    # a private kubeconfig: never touch the user's ~/.kube/config
    KUBECONFIG="$kubeconfig" "$kwok_bin/kwokctl" --name "$NAME" -c "$work/kwok.yaml" \
        create cluster --wait 3m >&2
    KUBECONFIG="$kubeconfig" "$kwok_bin/kwokctl" --name "$NAME" scale node --replicas 1 >&2
    KUBECONFIG="$kubeconfig" "$kubectl" apply -f - >&2 <<'EOF_OBJECTS'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pakaura-data
spec:
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath:
    path: /var/tmp/pakaura-kwok-pv
EOF_OBJECTS
    echo "$kubeconfig"
}

down() {
    local kwok_bin; kwok_bin="$(tool_dir kwok)"
    if [[ -x "$kwok_bin/kwokctl" ]]; then
        KUBECONFIG="$kubeconfig" "$kwok_bin/kwokctl" --name "$NAME" delete cluster >&2 || true
    fi
    rm -f "$kubeconfig"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    kubeconfig) echo "$kubeconfig" ;;
    *) echo "usage: $0 up|down|kubeconfig" >&2; exit 64 ;;
esac
