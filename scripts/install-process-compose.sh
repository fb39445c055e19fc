#!/usr/bin/env bash
# Puts process-compose $VERSION at $DEST (default .venv/bin/process-compose), where
# workloadctl finds it next to its own python. Skipped when the right version is already
# there. Order: $WORKLOADCTL_PROCESS_COMPOSE, an existing binary on PATH or in the Go bin
# directory (linked, not copied), else `go install` of the pinned module version with the
# -ldflags that set its version string (and so leave its update check off) where Go >=
# $GO_MIN is installed, else the release tarball for this OS and architecture, checked
# against the release's checksums file (sha256) before anything is installed.
#
# RELEASES_BASE_URL (default https://github.com): where the release comes from, the same
# variable and paths as the Dockerfile's (OWNER/REPO/releases/download/TAG/FILE): a
# corporate mirror, or a local one for offline installs.
# PROCESS_COMPOSE_INSTALL=go|release: only that way (default: go where it can, else release).
set -euo pipefail

VERSION="${PROCESS_COMPOSE_VERSION:-v1.122.0}"
DEST="${1:-.venv/bin/process-compose}"
MODULE="github.com/f1bonacc1/process-compose"
LDFLAGS="-X ${MODULE}/src/config.Version=${VERSION}"
GO_MIN="1.26"
RELEASES_BASE_URL="${RELEASES_BASE_URL:-https://github.com}"
METHOD="${PROCESS_COMPOSE_INSTALL:-auto}"

version_of() {
    "$1" version 2>/dev/null | awk '/^Version:/ {print $2; exit}'
}

fail() {
    echo "process-compose: $*" >&2
    exit 1
}

case "$METHOD" in
    auto | go | release) ;;
    *) fail "PROCESS_COMPOSE_INSTALL='$METHOD': use go or release (or leave it unset)" ;;
esac

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

# Why `go install` cannot be done here, or nothing when it can.
go_unusable() {
    if ! command -v go >/dev/null 2>&1; then
        echo "Go is not installed"
        return
    fi
    local have
    have="$(go env GOVERSION 2>/dev/null || true)"
    have="${have#go}"
    if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$GO_MIN" "$have" | sort -V | head -n1)" != "$GO_MIN" ]; then
        echo "Go ${have:-of unknown version} is older than $GO_MIN"
    fi
}

install_with_go() {
    echo "process-compose: building $VERSION with go install (a minute or two on first run)..."
    mkdir -p "$(dirname "$DEST")"
    local destdir
    destdir="$(cd "$(dirname "$DEST")" && pwd)"
    if GOBIN="$destdir" go install -ldflags "$LDFLAGS" "${MODULE}@${VERSION}"; then
        echo "process-compose: installed $(version_of "$DEST") at $DEST"
        exit 0
    fi
    fail "'go install ${MODULE}@${VERSION}' failed (see above)."
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    else
        shasum -a 256 "$1" | awk '{print $1}'
    fi
}

install_from_release() {
    local os arch tarball base work expected actual
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) fail "no release tarball for the architecture $(uname -m); install Go >= $GO_MIN and re-run" ;;
    esac
    tarball="process-compose_${os}_${arch}.tar.gz"
    base="${RELEASES_BASE_URL%/}/F1bonacc1/process-compose/releases/download/${VERSION}"
    work="$(mktemp -d)"
    # shellcheck disable=SC2064  # expand now: $work is local
    trap "rm -rf '$work'" EXIT
    echo "process-compose: downloading $base/$tarball"
    curl -fsSL -o "$work/$tarball" "$base/$tarball" \
        || fail "downloading $base/$tarball failed (RELEASES_BASE_URL=$RELEASES_BASE_URL)"
    curl -fsSL -o "$work/checksums.txt" "$base/process-compose_checksums.txt" \
        || fail "downloading $base/process-compose_checksums.txt failed"
    expected="$(awk -v name="$tarball" '$2 == name || $2 == "*" name {print $1; exit}' "$work/checksums.txt")"
    [ -n "$expected" ] || fail "$base/process-compose_checksums.txt lists no $tarball; nothing installed"
    actual="$(sha256_of "$work/$tarball")"
    if [ "$actual" != "$expected" ]; then
        fail "checksum mismatch for $base/$tarball: sha256 $actual, the release's checksums file says $expected; refusing to install it"
    fi
    tar -xzf "$work/$tarball" -C "$work" process-compose \
        || fail "$tarball has no process-compose binary"
    [ "$(version_of "$work/process-compose" || true)" = "$VERSION" ] \
        || fail "the binary in $base/$tarball is not $VERSION"
    mkdir -p "$(dirname "$DEST")"
    rm -f "$DEST"  # a link to another version: replace the link, never write through it
    install -m 0755 "$work/process-compose" "$DEST"
    echo "process-compose: installed $VERSION at $DEST (release tarball, sha256 checked)"
    exit 0
}

if [ "$METHOD" = release ]; then
    install_from_release
fi
why="$(go_unusable)"
if [ -z "$why" ]; then
    install_with_go
fi
if [ "$METHOD" = go ]; then
    fail "$why; install Go >= $GO_MIN and re-run (or leave PROCESS_COMPOSE_INSTALL unset)"
fi
echo "process-compose: $why; installing the release tarball instead"
install_from_release
