#!/usr/bin/env bash
# Puts process-compose $VERSION at $DEST (default .venv/bin/process-compose), where
# workloadctl finds it next to its own python. Skipped when the right version is already
# there. Order: $WORKLOADCTL_PROCESS_COMPOSE, an existing binary on PATH or in the Go bin
# directory (linked, not copied), else `go install` of the pinned module version with the
# -ldflags that set its version string (and so leave its update check off).
set -euo pipefail

VERSION="${PROCESS_COMPOSE_VERSION:-v1.122.0}"
DEST="${1:-.venv/bin/process-compose}"
MODULE="github.com/f1bonacc1/process-compose"
LDFLAGS="-X ${MODULE}/src/config.Version=${VERSION}"

version_of() {
    "$1" version 2>/dev/null | awk '/^Version:/ {print $2; exit}'
}

if [ -n "${WORKLOADCTL_PROCESS_COMPOSE:-}" ]; then
    have="$(version_of "$WORKLOADCTL_PROCESS_COMPOSE" || true)"
    if [ "$have" = "$VERSION" ]; then
        echo "process-compose: using \$WORKLOADCTL_PROCESS_COMPOSE ($have)"
        exit 0
    fi
    echo "process-compose: \$WORKLOADCTL_PROCESS_COMPOSE is '${have:-not runnable}', want $VERSION" >&2
    exit 1
fi

if [ -x "$DEST" ] && [ "$(version_of "$DEST" || true)" = "$VERSION" ]; then
    echo "process-compose: $VERSION already at $DEST"
    exit 0
fi

gobin="$(go env GOBIN 2>/dev/null || true)"
[ -n "$gobin" ] || gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
for candidate in "$(command -v process-compose || true)" "$gobin/process-compose"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(version_of "$candidate" || true)" = "$VERSION" ]; then
        mkdir -p "$(dirname "$DEST")"
        ln -sf "$(readlink -f "$candidate")" "$DEST"
        echo "process-compose: linked $candidate ($VERSION) to $DEST"
        exit 0
    fi
done

if ! command -v go >/dev/null 2>&1; then
    echo "process-compose: Go is not installed; install Go >= 1.26 and re-run" >&2
    exit 1
fi
echo "process-compose: building $VERSION with go install (a minute or two on first run)..."
mkdir -p "$(dirname "$DEST")"
destdir="$(cd "$(dirname "$DEST")" && pwd)"
if GOBIN="$destdir" go install -ldflags "$LDFLAGS" "${MODULE}@${VERSION}"; then
    echo "process-compose: installed $(version_of "$DEST") at $DEST"
    exit 0
fi
echo "process-compose: 'go install ${MODULE}@${VERSION}' failed (see above)." >&2
exit 1
