#!/usr/bin/env bash
# A real single-node Kubernetes v1.36.3 cluster on this machine, for the acceptance suite: pods
# are real runc containers, so probes, logs, exec, volumes, DNS and the ingress are real too.
# Everything comes from the Go module proxy and Debian packages (no container registry):
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd (+ runc shim),
#   kubelet, kube-proxy and CoreDNS run as host processes with recorded PIDs; Traefik v3.6.9 runs
#   as a pod serving the IngressClass `nginx` (its kubernetesIngressNGINX provider), behind the
#   Services ingress-nginx/ingress-nginx-controller and ingress-nginx-controller-admission, which
#   `invoke setup` and the suite expect. The pause image is built with gcc from Kubernetes' own
#   build/pause/linux/pause.c; images are imported with `docker save | ctr import`.
#
# Usage: tests/acceptance/real-node.sh COMMAND
#   build           build (or find) the tools in the version-keyed cache (tools/build.sh)
#   check           check the prerequisites only (one line each; exit 2 when one is missing)
#   up              check the prerequisites, build what is missing, start the node; prints the
#                   kubeconfig path (last line). Idempotent: a running node is left as it is, a
#                   half-started one is torn down first
#   down            tear down exactly what `up` created (also after a failed or partial `up`)
#   status          one line per component; exit 0 all running, 3 nothing running, 1 partial
#   import IMAGE... copy images from the Docker engine (DOCKER_HOST) into the node's containerd
#   kubeconfig      print the admin kubeconfig path
#   logs            print the folder of the components' logs (kept after `down`)
#   bin             print the folder holding kubectl (and the other Kubernetes binaries)
#
# Needs root, iptables, cgroups (v1 tested; v2 untested), Debian's runc,
# containernetworking-plugins, conntrack, openssl, gcc, iproute2 and Go >= 1.26 (see
# docs/real-node.md). Machines without those use tests/acceptance/kwok-cluster.sh instead.
#
# Env: PAKAURA_REAL_NODE_DIR    state folder (default /var/tmp/pakaura-real-node)
#      PAKAURA_REAL_NODE_IP     node address (default 10.217.1.1), held by a bridge with no ports
#      PAKAURA_REAL_NODE_POD_CIDR      (default 10.217.0.0/24)
#      PAKAURA_REAL_NODE_SERVICE_CIDR  (default 10.218.0.0/16)
#      PAKAURA_REAL_NODE_INGRESS=0     no Traefik (the suite then lacks the `ingress` capability)
#      PAKAURA_TOOL_CACHE, PAKAURA_DOCKER_CLI (default /usr/bin/docker)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools/build.sh"

NAME=pakaura-real-node # network name, iptables comment tag, kubeconfig context
NODE_NAME=pakaura-node
K8S_VERSION=v1.36.3
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1 # exactly what containerd 2.2.9 pins
TRAEFIK_IMAGE=localhost/pakaura-traefik:v3.6.9
state="${PAKAURA_REAL_NODE_DIR:-/var/tmp/pakaura-real-node}"
node_ip="${PAKAURA_REAL_NODE_IP:-10.217.1.1}"
pod_cidr="${PAKAURA_REAL_NODE_POD_CIDR:-10.217.0.0/24}"
service_cidr="${PAKAURA_REAL_NODE_SERVICE_CIDR:-10.218.0.0/16}"
ingress="${PAKAURA_REAL_NODE_INGRESS:-1}"
docker_cli="${PAKAURA_DOCKER_CLI:-/usr/bin/docker}"
node_bridge=pknode0 # holds the node address (this kernel may have no `dummy` links)
pod_bridge=pkcni0   # created by the CNI bridge plugin for the pods

# Ports (each checked free before `up`): loopback ones, then the ones on the node address.
etcd_port=12379 etcd_peer_port=12380 kcm_port=10257 scheduler_port=10259
kubelet_healthz_port=10248 proxy_metrics_port=10249 proxy_healthz_port=10256
stream_port=10010 dns_ready_port=18181
apiserver_port=6443 kubelet_port=10250 dns_port=53

case "$state" in
  /*/*) ;;
  *)
    echo "PAKAURA_REAL_NODE_DIR must be an absolute path below a folder (got $state)" >&2
    exit 64
    ;;
esac
pki="$state/pki" etc="$state/etc" pids="$state/pids" logs="$state/logs" run_dir="$state/run"
kubeconfig="$state/kubeconfig"
containerd_sock="$run_dir/containerd.sock"
# Ordered as started; `down` stops them in reverse (after deleting the pods).
components=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet
  kube-proxy coredns)

say() { printf '[real-node] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# --- tools --------------------------------------------------------------------------------------

tool_dir() { { "$tools" dir "$1" 2>/dev/null || true; } | head -n1; }

build_tools() {
  local list=(kubernetes etcd containerd coredns)
  [[ "$ingress" == 1 ]] && list+=(traefik)
  "$tools" build "${list[@]}" >/dev/null
}

set_tool_paths() {
  k8s_bin="$(tool_dir kubernetes)"
  etcd_bin="$(tool_dir etcd)"
  containerd_bin="$(tool_dir containerd)"
  coredns_bin="$(tool_dir coredns)"
  traefik_bin="$(tool_dir traefik)"
  kubectl="$k8s_bin/kubectl"
  ctr=("$containerd_bin/ctr" -a "$containerd_sock" -n k8s.io)
}

k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }

# --- prerequisites (one line each, exit 2) ------------------------------------------------------

prerequisites() {
  local missing=() p
  [[ "$(id -u)" == 0 ]] || missing+=("root is needed (network bridges, iptables, mounts, cgroups)")
  if ! command -v iptables >/dev/null 2>&1; then
    missing+=("iptables not found: apt-get install iptables")
  elif [[ "$(id -u)" == 0 ]] && ! iptables -w 5 -S INPUT >/dev/null 2>&1; then
    missing+=("iptables does not work here (no netfilter in this kernel or container?)")
  fi
  if [[ -d /sys/fs/cgroup/memory ]]; then
    :
  elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    say "note: cgroup v2 detected; the real node is tested on cgroup v1 only"
  else
    missing+=("no cgroup hierarchy with a memory controller under /sys/fs/cgroup")
  fi
  command -v runc >/dev/null 2>&1 || missing+=("runc not found: apt-get install runc")
  for p in bridge host-local loopback; do
    [[ -x /usr/lib/cni/$p ]] || {
      missing+=("/usr/lib/cni/$p not found: apt-get install containernetworking-plugins")
      break
    }
  done
  for p in conntrack openssl gcc ip flock; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p not found: apt-get install $(
      case $p in ip) echo iproute2 ;; flock) echo util-linux ;; *) echo "$p" ;; esac
    )")
  done
  if ! command -v go >/dev/null 2>&1; then
    missing+=("go not found: Go >= 1.26 builds the cluster tools from the Go module proxy")
  elif ! printf '1.26\n%s\n' "$(go env GOVERSION | sed 's/^go//')" | sort -V -C; then
    missing+=("Go $(go env GOVERSION) is too old: Go >= 1.26 builds Kubernetes $K8S_VERSION")
  fi
  if [[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    modprobe br_netfilter 2>/dev/null || true
    [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] ||
      missing+=("bridge netfilter unavailable (modprobe br_netfilter failed)")
  fi
  if compgen -G '/etc/containerd/conf.d/*.toml' >/dev/null; then
    say "note: containerd also reads /etc/containerd/conf.d/*.toml (built in): they apply to the node"
  fi
  if ((${#missing[@]} == 0)); then
    local clash
    clash="$(address_clashes)" || true
    [[ -z "$clash" ]] || missing+=("$clash")
    clash="$(port_clashes)" || true
    [[ -z "$clash" ]] || missing+=("$clash")
  fi
  if ((${#missing[@]})); then
    for p in "${missing[@]}"; do say "missing prerequisite: $p"; done
    exit 2
  fi
}

# A route or address of this machine overlapping our node address, pod or service range.
address_clashes() {
  python3 - "$node_ip/32" "$pod_cidr" "$service_cidr" "$node_bridge" "$pod_bridge" <<'EOF'
import ipaddress, subprocess, sys
ours = [ipaddress.ip_network(n, strict=False) for n in sys.argv[1:4]]
own_links = set(sys.argv[4:6])
for line in subprocess.run(["ip", "-4", "-o", "route", "show", "table", "all"],
                           capture_output=True, text=True).stdout.splitlines():
    words = line.split()
    if "dev" in words and words[words.index("dev") + 1] in own_links:
        continue
    dest = words[0] if words[0] not in ("local", "broadcast", "unicast") else words[1]
    if dest == "default" or not dest[0].isdigit():
        continue
    net = ipaddress.ip_network(dest, strict=False)
    for mine in ours:
        if net.overlaps(mine) and net.prefixlen > 0:
            print(f"address range {mine} overlaps the route {line.strip()!r}; set "
                  "PAKAURA_REAL_NODE_IP / _POD_CIDR / _SERVICE_CIDR")
            sys.exit(0)
EOF
}

port_clashes() {
  local port addr busy=()
  for port in $etcd_port $etcd_peer_port $kcm_port $scheduler_port $kubelet_healthz_port \
    $proxy_metrics_port $proxy_healthz_port $stream_port $dns_ready_port; do
    addr="$(ss -Hltn "sport = :$port" | awk '{print $4}' | grep -E '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]):' | head -n1)"
    [[ -z "$addr" ]] || busy+=("$addr")
  done
  for port in $apiserver_port $kubelet_port; do
    addr="$(ss -Hltn "sport = :$port" | awk '{print $4}' | grep -E "^($node_ip|0\.0\.0\.0|\*|\[::\]):" | head -n1)"
    [[ -z "$addr" ]] || busy+=("$addr")
  done
  addr="$(ss -Hlun "sport = :$dns_port" | awk '{print $4}' | grep -E "^($node_ip|0\.0\.0\.0|\*|\[::\]):" | head -n1)"
  [[ -z "$addr" ]] || busy+=("udp $addr")
  ((${#busy[@]} == 0)) || echo "ports in use: ${busy[*]} (another cluster or a stale node? \`$0 down\`)"
}

# --- processes ----------------------------------------------------------------------------------

# start NAME BINARY ARGS...: a host process in its own session, PID recorded with its binary.
start() {
  local name="$1"
  shift
  (
    # the long-lived process must not hold this script's lock
    if [[ -n "${lock_fd:-}" ]]; then exec {lock_fd}>&-; fi
    exec setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null
  ) &
  printf '%s %s\n' "$!" "$(readlink -f "$1")" >"$pids/$name.pid"
}

# Ours: every process this script starts (and containerd's shims) runs one of the built tools
# and names the state folder in its command line; a recycled PID does not.
ours() {
  local exe dir
  exe="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$state/" || return 1
  for dir in "${k8s_bin:-}" "${etcd_bin:-}" "${containerd_bin:-}" "${coredns_bin:-}"; do
    [[ -n "$dir" && "$exe" == "$(readlink -f "$dir")"/* ]] && return 0
  done
  return 1
}

# The recorded PID, if that process is still alive and still ours.
live_pid() {
  local file="$pids/$1.pid" pid
  [[ -s "$file" ]] || return 1
  read -r pid _ <"$file"
  [[ -d /proc/$pid ]] && ours "$pid" || return 1
  echo "$pid"
}

stop() {
  local name="$1" grace="${2:-20}" pid i
  if pid="$(live_pid "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      [[ -d /proc/$pid ]] || break
      sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then
      say "$name (pid $pid) did not stop in ${grace}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pids/$name.pid"
}

# wait_for WHAT SECONDS COMMAND...: until the command succeeds; on timeout show the log and fail.
wait_for() {
  local what="$1" timeout="$2" log="$3" deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "$what not ready after ${timeout}s; last lines of $log:"
      tail -n 25 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

# --- certificates and kubeconfigs ---------------------------------------------------------------

# cert NAME CN [O] [SANS]: a key and a certificate signed by the node's CA.
cert() {
  local name="$1" cn="$2" org="${3:-}" sans="${4:-}" subj
  subj="/CN=$cn"
  [[ -z "$org" ]] || subj="/O=$org$subj"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [[ -z "$sans" ]] || echo "subjectAltName=$sans"
  } >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

# write_kubeconfig FILE CERT_NAME: a kubeconfig for the identity of pki/CERT_NAME.crt.
write_kubeconfig() {
  local b64=(base64 -w0)
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $NAME
  cluster:
    server: https://$node_ip:$apiserver_port
    certificate-authority-data: $("${b64[@]}" "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $("${b64[@]}" "$pki/$2.crt")
    client-key-data: $("${b64[@]}" "$pki/$2.key")
contexts:
- name: $NAME
  context:
    cluster: $NAME
    user: $2
current-context: $NAME
EOF
  chmod 0600 "$1"
}

make_pki() {
  mkdir -p "$pki"
  chmod 0700 "$pki"
  local service_ip
  service_ip="$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[1])" "$service_cidr")"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=$NAME-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt" 2>/dev/null
  cert apiserver kube-apiserver "" "IP:$node_ip,IP:127.0.0.1,IP:$service_ip,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert admin pakaura-admin system:masters
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  cert kubelet "system:node:$NODE_NAME" system:nodes
  cert kubelet-serving "$NODE_NAME" "" "IP:$node_ip,DNS:$NODE_NAME"
  cert kube-proxy system:kube-proxy
  cert coredns pakaura:coredns
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  write_kubeconfig "$kubeconfig" admin
  local id
  for id in controller-manager scheduler kubelet kube-proxy coredns; do
    write_kubeconfig "$etc/$id.kubeconfig" "$id"
  done
}

# --- configuration files ------------------------------------------------------------------------

# Only rewrite a file whose content changed (kube-proxy exits when its config file is rewritten).
write_if_changed() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXX")"
  cat >"$tmp"
  if cmp -s "$tmp" "$file" 2>/dev/null; then rm -f "$tmp"; else mv "$tmp" "$file"; fi
}

write_configs() {
  : >"$etc/resolv.conf" # pods get the cluster DNS only (the host's resolvers are useless offline)
  mkdir -p "$state/cni/net.d" "$state/cni/ipam"
  write_if_changed "$state/cni/net.d/10-$NAME.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NAME",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$pod_bridge",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$state/cni/ipam"
      }
    }
  ]
}
EOF
  write_if_changed "$etc/containerd.toml" <<EOF
version = 3
root = "$state/containerd/root"
state = "$state/containerd/state"
temp = "$state/containerd/tmp"

[grpc]
  address = "$containerd_sock"

[ttrpc]
  address = "$run_dir/containerd-ttrpc.sock"

[plugins]
  [plugins.'io.containerd.cri.v1.runtime']
    # root here cannot lower oom_score_adj: without this every sandbox fails with
    # "can't get final child's PID from pipe: EOF"
    restrict_oom_score_adj = true
    enable_cdi = false
    netns_mounts_under_state_dir = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$(command -v runc)"
          Root = "$state/runc"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["/usr/lib/cni"]
      conf_dir = "$state/cni/net.d"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$PAUSE_IMAGE"
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "$stream_port"
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.internal.v1.opt']
    path = "$state/containerd/opt"
EOF
  write_if_changed "$etc/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
containerRuntimeEndpoint: unix://$containerd_sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$node_ip]
clusterDomain: cluster.local
resolvConf: $etc/resolv.conf
podLogsDir: $state/pod-logs
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
enableServer: true
EOF
  write_if_changed "$etc/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $etc/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $node_ip
clusterCIDR: $pod_cidr
detectLocalMode: ClusterCIDR
metricsBindAddress: 127.0.0.1:$proxy_metrics_port
healthzBindAddress: 127.0.0.1:$proxy_healthz_port
nodePortAddresses: [$node_ip/32]
iptables: {localhostNodePorts: false}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  write_if_changed "$etc/Corefile" <<EOF
.:$dns_port {
    bind $node_ip
    errors
    ready 127.0.0.1:$dns_ready_port
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $etc/coredns.kubeconfig $NAME
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
}
EOF
}

# --- images -------------------------------------------------------------------------------------

# image_archive OUT REF USER BINARY DEST: a docker-archive image holding one static binary.
image_archive() {
  local out="$1" ref="$2" user="$3" binary="$4" dest="$5" d diff cfg arch
  arch="$(go env GOARCH)"
  d="$(mktemp -d)"
  mkdir -p "$d/rootfs$(dirname "$dest")" "$d/rootfs/tmp" "$d/img"
  chmod 1777 "$d/rootfs/tmp"
  install -m 0755 "$binary" "$d/rootfs$dest"
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$d/rootfs" -cf "$d/layer.tar" .
  diff="$(sha256sum "$d/layer.tar" | cut -d' ' -f1)"
  mkdir "$d/img/$diff"
  mv "$d/layer.tar" "$d/img/$diff/layer.tar"
  printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"User":"%s","Entrypoint":["%s"],"Env":["PATH=/"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tests/acceptance/real-node.sh"}]}' \
    "$arch" "$user" "$dest" "$diff" >"$d/config.json"
  cfg="$(sha256sum "$d/config.json" | cut -d' ' -f1)"
  mv "$d/config.json" "$d/img/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg" "$ref" "$diff" \
    >"$d/img/manifest.json"
  tar --numeric-owner --owner=0 --group=0 -C "$d/img" -cf "$out" manifest.json "$cfg.json" "$diff"
  rm -rf "$d"
}

# The pause image, built with gcc from the pause.c of the Kubernetes module (cached).
pause_archive() {
  local out src
  out="$k8s_bin/pause-3.10.1.tar"
  if [[ ! -s "$out" ]]; then
    src="$(cd "$here/tools/kubernetes" && go list -mod=readonly -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
    [[ -f "$src" ]] || (cd "$here/tools/kubernetes" && go mod download k8s.io/kubernetes)
    gcc -Os -Wall -Werror -static -DVERSION=v3.10.1-pakaura -o "$state/pause" "$src"
    image_archive "$out.partial" "$PAUSE_IMAGE" 65535:65535 "$state/pause" /pause
    mv "$out.partial" "$out"
  fi
  echo "$out"
}

traefik_archive() {
  local out="$traefik_bin/traefik-image.tar"
  if [[ ! -s "$out" ]]; then
    image_archive "$out.partial" "$TRAEFIK_IMAGE" 65532:65532 "$traefik_bin/traefik" /traefik
    mv "$out.partial" "$out"
  fi
  echo "$out"
}

# ctr warns on every call that containerd will drop cgroup v1 in 2029: not news here.
ctr_quiet() { "${ctr[@]}" "$@" 2> >(grep -v 'support for cgroup v1 is deprecated' >&2); }

import_archive() { ctr_quiet images import --all-platforms - <"$1" >/dev/null; }

# --- host networking ----------------------------------------------------------------------------

ipt() { iptables -w 10 "$@"; }

host_network() {
  if ! ip link show "$node_bridge" >/dev/null 2>&1; then
    ip link add "$node_bridge" type bridge
  fi
  ip addr replace "$node_ip/32" dev "$node_bridge"
  ip link set "$node_bridge" up
  [[ -s "$state/ip_forward.before" ]] || cat /proc/sys/net/ipv4/ip_forward >"$state/ip_forward.before"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  # Docker sets the FORWARD policy to DROP (and a dockerd may start at any time): accept the
  # pods' traffic explicitly. Every rule carries the comment $NAME so `down` removes exactly it.
  local dir
  for dir in -i -o; do
    ipt -C FORWARD "$dir" "$pod_bridge" -m comment --comment "$NAME" -j ACCEPT 2>/dev/null ||
      ipt -I FORWARD 1 "$dir" "$pod_bridge" -m comment --comment "$NAME" -j ACCEPT
  done
  [[ -d /var/log/containers ]] || {
    mkdir -p /var/log/containers
    touch "$state/created-var-log-containers"
  }
}

# Delete every rule of TABLE/CHAIN whose line matches the awk condition COND (on `-L -n
# --line-numbers` output), highest number first.
delete_rules() {
  local table="$1" chain="$2" cond="$3" cmd="${4:-iptables}" n
  while :; do
    n="$({ "$cmd" -w 10 -t "$table" -L "$chain" -n --line-numbers 2>/dev/null || true; } |
      awk "NR > 2 && ($cond) {n = \$1} END {print n}")"
    [[ -n "$n" ]] || break
    "$cmd" -w 10 -t "$table" -D "$chain" "$n"
  done
}

# Remove a chain (and every jump to it from the built-in chains) if it exists.
drop_chain() {
  local table="$1" chain="$2" cmd="${3:-iptables}" parent
  "$cmd" -w 10 -t "$table" -S "$chain" >/dev/null 2>&1 || return 0
  for parent in INPUT OUTPUT FORWARD PREROUTING POSTROUTING; do
    delete_rules "$table" "$parent" "\$2 == \"$chain\"" "$cmd"
  done
  "$cmd" -w 10 -t "$table" -F "$chain" 2>/dev/null || true
  "$cmd" -w 10 -t "$table" -X "$chain" 2>/dev/null || true
}

clean_host_network() {
  local chain cmd table
  # our own tagged rules
  delete_rules filter FORWARD "index(\$0, \"/* $NAME */\")"
  # the bridge plugin's per-pod masquerade chains of our network (pods already gone)
  for chain in $(ipt -t nat -S | grep -F "name: \\\"$NAME\\\"" | grep -oE -- '-j CNI-[0-9a-f]+' | awk '{print $2}' | sort -u); do
    drop_chain nat "$chain"
  done
  # what `kube-proxy --cleanup` leaves: the kubelet's own chains (KUBE-FIREWALL is hooked into
  # INPUT/OUTPUT and drops non-loopback traffic to 127/8)
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null 2>&1 || continue
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        drop_chain "$table" "$chain" "$cmd"
      done
    done
  done
  conntrack -D -s "$pod_cidr" >/dev/null 2>&1 || true
  conntrack -D -d "$pod_cidr" >/dev/null 2>&1 || true
  local link
  for link in "$pod_bridge" "$node_bridge"; do
    ip link show "$link" >/dev/null 2>&1 && ip link del "$link"
  done
  # ip_forward back to what it was, unless a Docker engine (which needs it) runs now
  if [[ -s "$state/ip_forward.before" ]]; then
    if [[ "$(cat "$state/ip_forward.before")" == 0 ]] && ! pgrep -x dockerd >/dev/null; then
      echo 0 >/proc/sys/net/ipv4/ip_forward
    fi
    rm -f "$state/ip_forward.before"
  fi
}

# --- Kubernetes objects the node provides -------------------------------------------------------

cluster_objects() {
  local i
  k apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "pakaura:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "pakaura:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "pakaura:coredns"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "pakaura:coredns"}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
EOF
  # hostPath volumes with no StorageClass bind claims that name none; several, because a
  # Released volume (after `invoke destroy --purge-data`) never binds again.
  for i in 0 1 2 3 4 5 6 7; do
    mkdir -p "$state/volumes/pv-$i"
    chmod 0777 "$state/volumes/pv-$i"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $NAME-pv-$i
  labels: {app.kubernetes.io/managed-by: $NAME}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $state/volumes/pv-$i, type: Directory}
EOF
  done | k apply -f - >/dev/null
}

traefik_objects() {
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: ingress-nginx
  labels: {pod-security.kubernetes.io/enforce: restricted}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ingress-nginx, namespace: ingress-nginx}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "pakaura:traefik-ingress-nginx"}
rules:
- apiGroups: [""]
  resources: [services, secrets, namespaces, endpoints]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, ingressclasses]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses/status]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "pakaura:traefik-ingress-nginx"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "pakaura:traefik-ingress-nginx"}
subjects:
- {kind: ServiceAccount, name: ingress-nginx, namespace: ingress-nginx}
---
# Traefik $TRAEFIK_IMAGE serving class nginx, named like ingress-nginx's controller so
# \`invoke setup\` and the suite find it where they look.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
  template:
    metadata:
      labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
    spec:
      serviceAccountName: ingress-nginx
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: controller
        image: $TRAEFIK_IMAGE
        imagePullPolicy: Never
        args:
        - --entryPoints.web.address=:8080
        - --entryPoints.websecure.address=:8443
        - --entryPoints.traefik.address=:9000
        - --ping=true
        - --providers.kubernetesIngressNGINX=true
        - --providers.kubernetesIngressNGINX.ingressClass=nginx
        - --providers.kubernetesIngressNGINX.controllerClass=k8s.io/ingress-nginx
        - --providers.kubernetesIngressNGINX.publishService=ingress-nginx/ingress-nginx-controller
        - --log.level=INFO
        - --log.noColor=true
        - --accessLog=false
        ports:
        - {name: http, containerPort: 8080}
        - {name: https, containerPort: 8443}
        - {name: ping, containerPort: 9000}
        readinessProbe:
          httpGet: {path: /ping, port: ping}
          periodSeconds: 2
        livenessProbe:
          httpGet: {path: /ping, port: ping}
          periodSeconds: 10
        resources:
          requests: {cpu: 50m, memory: 64Mi}
          limits: {memory: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: https, port: 443, targetPort: https}
---
# There is no admission webhook: this Service only gives \`invoke setup\` the endpoint it waits for.
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller-admission, namespace: ingress-nginx}
spec:
  selector: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
  ports:
  - {name: https-webhook, port: 443, targetPort: https}
EOF
}

# --- up / down / status -------------------------------------------------------------------------

node_ready() {
  [[ "$(k get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

timed() { # timed LABEL COMMAND...: run, print how long it took
  local label="$1" t0=$SECONDS
  shift
  "$@"
  say "$label: $((SECONDS - t0))s"
}

up() {
  local t0=$SECONDS
  prerequisites_or_running && return 0
  timed "tools ready (built or cached)" build_tools
  set_tool_paths
  [[ "$ingress" != 1 || -x "$traefik_bin/traefik" ]] || die "traefik not built"
  # a fresh state folder (logs of the previous run kept next to it)
  rm -rf "$state.previous-logs"
  [[ -d "$logs" ]] && mv "$logs" "$state.previous-logs"
  rm -rf "$state"
  mkdir -p "$state" "$etc" "$pids" "$logs" "$run_dir" "$state/containerd/opt" "$state/pod-logs"
  trap up_failed EXIT
  timed "certificates" make_pki
  write_configs
  host_network

  start etcd "$etcd_bin/etcd" --name "$NODE_NAME" --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd 60 "$logs/etcd.log" curl -fsS "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$k8s_bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$node_ip" --advertise-address "$node_ip" --secure-port "$apiserver_port" \
    --service-cluster-ip-range "$service_cidr" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --v=1
  wait_for kube-apiserver 120 "$logs/kube-apiserver.log" k get --raw /readyz

  start kube-controller-manager "$k8s_bin/kube-controller-manager" \
    --kubeconfig "$etc/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$etc/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$etc/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=true --service-cluster-ip-range "$service_cidr" \
    --cluster-name "$NAME" --profiling=false --v=1
  start kube-scheduler "$k8s_bin/kube-scheduler" \
    --kubeconfig "$etc/scheduler.kubeconfig" \
    --authentication-kubeconfig "$etc/scheduler.kubeconfig" \
    --authorization-kubeconfig "$etc/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false \
    --profiling=false --v=1

  # containerd finds its shim on PATH
  PATH="$containerd_bin:$PATH" start containerd "$containerd_bin/containerd" \
    --config "$etc/containerd.toml" --log-level warn
  wait_for containerd 60 "$logs/containerd.log" "${ctr[@]}" version
  local images=("$(pause_archive)")
  [[ "$ingress" != 1 ]] || images+=("$(traefik_archive)")
  local archive
  for archive in "${images[@]}"; do timed "import $(basename "$archive")" import_archive "$archive"; done

  start kubelet "$k8s_bin/kubelet" --config "$etc/kubelet.yaml" \
    --kubeconfig "$etc/kubelet.kubeconfig" --root-dir "$state/kubelet" \
    --hostname-override "$NODE_NAME" --node-ip "$node_ip" --v=1
  start kube-proxy "$k8s_bin/kube-proxy" --config "$etc/kube-proxy.yaml" --v=1
  timed "cluster objects" cluster_objects
  start coredns "$coredns_bin/coredns" -conf "$etc/Corefile"
  wait_for "node $NODE_NAME Ready" 120 "$logs/kubelet.log" node_ready
  wait_for coredns 60 "$logs/coredns.log" curl -fsS "http://127.0.0.1:$dns_ready_port/ready"
  wait_for "default service account" 60 "$logs/kube-controller-manager.log" k get serviceaccount default
  if [[ "$ingress" == 1 ]]; then
    traefik_objects
    wait_for "Traefik (ingress class nginx)" 120 "$logs/kubelet.log" \
      k -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=5s
  else
    say "no ingress controller (PAKAURA_REAL_NODE_INGRESS=0)"
  fi
  trap - EXIT
  echo "$ingress" >"$state/ingress"
  say "node up in $((SECONDS - t0))s: Kubernetes $K8S_VERSION at https://$node_ip:$apiserver_port"
  echo "$kubeconfig"
}

up_failed() {
  local rc=$?
  trap - EXIT
  say "up failed (exit $rc): tearing down what was started; logs in $logs"
  down_locked || true
  exit "$rc"
}

# True (and the kubeconfig printed) when the node already runs; a partial node is torn down.
prerequisites_or_running() {
  local code=0
  status_quiet || code=$?
  if ((code == 0)); then
    say "already up"
    echo "$kubeconfig"
    return 0
  fi
  if ((code == 1)); then
    say "a partial node is left from an earlier run: tearing it down first"
    down_locked
  fi
  prerequisites
  return 1
}

delete_pods() {
  k get --raw /readyz >/dev/null 2>&1 || return 0
  # the kubelet releases each pod's network (CNI DEL) and iptables as it stops it
  k delete pods --all --all-namespaces --grace-period=5 --wait=false >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    [[ -z "$(k get pods -A -o name 2>/dev/null)" ]] && return 0
    sleep 1
  done
  say "pods still present after 90s: $(k get pods -A -o name 2>/dev/null | tr '\n' ' ')"
}

# Containers the kubelet did not stop (it died, or the API server did): kill them via containerd.
kill_leftover_tasks() {
  live_pid containerd >/dev/null || return 0
  local id
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  sleep 1
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true
  done
}

# Whatever is left: processes naming the state folder (containerd's shims outlive containerd by
# design; a component whose PID file is gone), then the pods' own processes, by their cgroups.
kill_leftovers() {
  local p pid
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    if ! ours "$pid"; then continue; fi
    say "stopping leftover process $pid: $(tr '\0' ' ' <"$p/cmdline" | cut -c1-100)"
    kill -KILL "$pid" 2>/dev/null || true
  done
  for p in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$p" ]] || continue
    find "$p" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  sleep 0.5
}

unmount_state() {
  local m
  # deepest first; lazily when busy
  awk -v s="$state/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
    done
}

remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [[ -d "$d" ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

down_locked() {
  local t0=$SECONDS i
  if [[ ! -d "$state" ]]; then
    say "nothing to tear down ($state does not exist)"
    return 0
  fi
  # 1. no controller recreates what we delete; 2. pods deleted while the kubelet runs
  stop kube-controller-manager
  [[ -x "${kubectl:-}" ]] && delete_pods
  # 3. the rest by recorded PID, newest first
  stop kubelet 30
  kill_leftover_tasks
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    stop "${components[i]}" 30
  done
  kill_leftovers
  # 4. iptables: kube-proxy's chains, then the kubelet's, the CNI's and ours
  if [[ -x "${k8s_bin:-}/kube-proxy" ]]; then
    "$k8s_bin/kube-proxy" --cleanup --v=0 >>"$logs/kube-proxy-cleanup.log" 2>&1 || true
  fi
  clean_host_network
  # 5. mounts, cgroups, files
  unmount_state
  remove_cgroups
  if [[ -f "$state/created-var-log-containers" ]]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$state/*" -delete 2>/dev/null || true
    rmdir /var/log/containers 2>/dev/null || true
  fi
  find "$state" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} + 2>/dev/null || {
    unmount_state
    find "$state" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  }
  local leftovers
  leftovers="$(iptables -w 10 -S 2>/dev/null | grep -cE "$NAME|KUBE-" || true)"
  leftovers+="/$(iptables -w 10 -t nat -S 2>/dev/null | grep -cE "KUBE-|name: .$NAME" || true)"
  [[ "$leftovers" == 0/0 ]] || say "note: iptables rules left (filter/nat): $leftovers"
  say "node down in $((SECONDS - t0))s (logs kept in $logs)"
}

# exit 0: every component running; 3: none; 1: partial
status_quiet() {
  local running=0 total=0 c
  for c in "${components[@]}"; do
    total=$((total + 1))
    live_pid "$c" >/dev/null && running=$((running + 1))
  done
  ((running == 0)) && [[ ! -d "$state/etc" ]] && return 3
  ((running == total)) || return 1
  set_tool_paths
  k get --raw /readyz >/dev/null 2>&1 || return 1
  node_ready || return 1
  return 0
}

status() {
  local c pid bad=0 up=0
  for c in "${components[@]}"; do
    if pid="$(live_pid "$c")"; then
      printf '%-24s running (pid %s)\n' "$c" "$pid"
      up=$((up + 1))
    else
      printf '%-24s stopped\n' "$c"
      bad=1
    fi
  done
  if ((up == 0)); then
    if [[ -d "$etc" ]]; then
      echo "node: leftovers of an earlier run (\`$0 down\` removes them)"
      return 1
    fi
    echo "node: down"
    return 3
  fi
  set_tool_paths
  if k get --raw /readyz >/dev/null 2>&1; then
    echo "api server: ready at https://$node_ip:$apiserver_port ($("$kubectl" version --kubeconfig "$kubeconfig" -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null || echo '?'))"
  else
    echo "api server: not answering"
    bad=1
  fi
  if node_ready; then echo "node $NODE_NAME: Ready"; else
    echo "node $NODE_NAME: not Ready"
    bad=1
  fi
  if [[ "$(cat "$state/ingress" 2>/dev/null)" == 1 ]]; then
    if [[ "$(k -n ingress-nginx get deployment ingress-nginx-controller -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" == 1 ]]; then
      echo "ingress (Traefik, class nginx): ready"
    else
      echo "ingress (Traefik, class nginx): not ready"
      bad=1
    fi
  else
    echo "ingress: none (started with PAKAURA_REAL_NODE_INGRESS=0)"
  fi
  echo "kubeconfig: $kubeconfig"
  return "$bad"
}

import_images() {
  (($# > 0)) || die "import: name at least one image"
  live_pid containerd >/dev/null || die "the node is not up (\`$0 up\`)"
  set_tool_paths
  [[ -x "$docker_cli" ]] || {
    say "missing prerequisite: $docker_cli not found (apt-get install docker.io)"
    exit 2
  }
  local image t0
  for image in "$@"; do
    t0=$SECONDS
    "$docker_cli" image inspect "$image" >/dev/null 2>&1 ||
      die "image $image is not in the Docker engine ${DOCKER_HOST:-(default)}"
    "$docker_cli" save "$image" | ctr_quiet images import - >/dev/null
    say "imported $image in $((SECONDS - t0))s"
  done
}

with_lock() {
  mkdir -p "$(dirname "$state")"
  exec {lock_fd}>"$state.lock"
  flock -w 900 "$lock_fd" || die "another real-node command holds $state.lock"
  "$@"
}

case "${1:-}" in
  up | down | status | import | check) set_tool_paths ;; # also tells our processes apart (ours)
esac
case "${1:-}" in
  build)
    build_tools
    set_tool_paths
    echo "$k8s_bin"
    ;;
  check)
    status_quiet && exit 0 # a running node passed them already (its ports are taken now)
    prerequisites
    say "prerequisites: ok"
    ;;
  up) with_lock up ;;
  down) with_lock down_locked ;;
  status) status ;;
  import)
    shift
    with_lock import_images "$@"
    ;;
  kubeconfig) echo "$kubeconfig" ;;
  logs) echo "$logs" ;;
  bin)
    set_tool_paths
    [[ -x "$kubectl" ]] || die "not built yet (\`$0 build\`)"
    echo "$k8s_bin"
    ;;
  *)
    sed -n '/^# Usage/,/^#   bin/p' "$0" >&2
    exit 64
    ;;
esac
