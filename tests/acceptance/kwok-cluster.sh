#!/usr/bin/env bash
# A real Kubernetes control plane for the acceptance suite's `control_plane` tests, with no
# container registry and no downloads outside the Go module proxy: kube-apiserver,
# kube-controller-manager and kube-scheduler v1.36.3, etcd v3.6.14 and kwok v0.8.0 are built from
# the Go module proxy into a version-keyed cache outside the repository (~12 min cold on 2 cores,
# nothing on later runs), and kwokctl runs them as plain processes with one simulated node.
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
# that containers start (that is the `runtime` capability: Minikube, kind, CI).
set -euo pipefail

K8S_VERSION=v1.36.3
STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.14
KWOK_VERSION=v0.8.0
NAME="${PAKAURA_KWOK_CLUSTER:-pakaura-acceptance}"
cache="${PAKAURA_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pakaura-tools}"
bin="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
work="$cache/kwok-work"
export KWOK_WORKDIR="$work"
kubeconfig="$work/$NAME.kubeconfig"

build() {
    command -v go >/dev/null 2>&1 || { echo "error: go not found (Go >= 1.26 builds Kubernetes $K8S_VERSION)" >&2; exit 2; }
    mkdir -p "$bin"
    local src; src="$(mktemp -d)"
    if [[ ! -x "$bin/kube-apiserver" ]]; then
        echo "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (~12 min)" >&2
        # k8s.io/kubernetes replaces its staging modules with local folders, so it cannot be
        # `go install`ed: a wrapper module replaces each staging module with its published version.
        mkdir -p "$src/k8s" && cd "$src/k8s"
        local proxy; proxy="$(go env GOPROXY | cut -d, -f1)"
        curl -fsS "$proxy/k8s.io/kubernetes/@v/$K8S_VERSION.mod" -o upstream.mod
        {
            printf 'module pakaura.local/k8sbuild\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
            grep -E '^\s*k8s.io/[a-z-]+ v0\.0\.0\s*$' upstream.mod | awk -v v="$STAGING_VERSION" '{printf "\t%s => %s %s\n", $1, $1, v}' | sort -u
            printf ')\n'
        } >go.mod
        printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' >tools.go
        go mod tidy -e >&2
        local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
        local ldflags="-s -w"
        for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
            ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        done
        CGO_ENABLED=0 go build -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$bin/" \
            k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
            k8s.io/kubernetes/cmd/kube-scheduler >&2
    fi
    if [[ ! -x "$bin/etcd" ]]; then
        echo "building etcd $ETCD_VERSION" >&2
        mkdir -p "$src/etcd" && cd "$src/etcd"
        printf 'module pakaura.local/etcdbuild\n\ngo 1.25.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >go.mod
        printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
        go mod tidy -e >&2
        CGO_ENABLED=0 go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3 >&2
    fi
    if [[ ! -x "$bin/kwokctl" ]]; then
        echo "building kwok $KWOK_VERSION" >&2
        GOBIN="$bin" CGO_ENABLED=0 go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
            "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" >&2
    fi
    rm -rf "$src"
}

kubectl_bin() {
    command -v kubectl 2>/dev/null || python3 "$(dirname "$0")/../../scripts/install_tools.py" --print kubectl
}

up() {
    build
    mkdir -p "$work"
    local kubectl; kubectl="$(kubectl_bin)"
    cat >"$work/kwok.yaml" <<EOF_CONFIG
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  runtime: binary
  kubeVersion: $K8S_VERSION
  bindAddress: 127.0.0.1
  kubeApiserverBinary: $bin/kube-apiserver
  kubeControllerManagerBinary: $bin/kube-controller-manager
  kubeSchedulerBinary: $bin/kube-scheduler
  kubectlBinary: $kubectl
  etcdBinary: $bin/etcd
  kwokControllerBinary: $bin/kwok
EOF_CONFIG
    # a private kubeconfig: never touch the user's ~/.kube/config
    KUBECONFIG="$kubeconfig" "$bin/kwokctl" --name "$NAME" -c "$work/kwok.yaml" \
        create cluster --wait 3m >&2
    KUBECONFIG="$kubeconfig" "$bin/kwokctl" --name "$NAME" scale node --replicas 1 >&2
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
    if [[ -x "$bin/kwokctl" ]]; then
        KUBECONFIG="$kubeconfig" "$bin/kwokctl" --name "$NAME" delete cluster >&2 || true
    fi
    rm -f "$kubeconfig"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    kubeconfig) echo "$kubeconfig" ;;
    *) echo "usage: $0 up|down|kubeconfig" >&2; exit 64 ;;
esac
