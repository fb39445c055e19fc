#!/bin/sh
# Runs on the HOST before `docker compose` (devcontainer.json "initializeCommand").
# docker compose reads .devcontainer/.env: this writes the developer's name, uid and gid
# and the repository's directory name there, so the image's account matches the host's
# (files in the mounted repository keep the right owner). `UID` is a shell variable, not
# an exported environment variable, so compose would not see it otherwise.
#
# Any host user works, the Dockerfile never fails on one: root (the container's developer
# is root then, as on the host), a uid or gid that the image already has (reused, or the
# image's account renamed). WORKLOADCTL_HOST_UNAME, WORKLOADCTL_HOST_UID and
# WORKLOADCTL_HOST_GID replace what `id` says (CI, a uid without a name); with another
# name, set devcontainer.json's remoteUser to it too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

fail() {
    echo "host-env.sh: $*" >&2
    exit 1
}

uid=${WORKLOADCTL_HOST_UID:-$(id -u)}
gid=${WORKLOADCTL_HOST_GID:-$(id -g)}
# A uid without an entry in the host's passwd (some CI runners) has no name: use $USER,
# else the image's default account name.
uname=${WORKLOADCTL_HOST_UNAME:-$(id -un 2>/dev/null || printf '%s' "${USER:-developer}")}
case "$uid" in '' | *[!0-9]*) fail "uid '$uid' is not a number (WORKLOADCTL_HOST_UID)" ;; esac
case "$gid" in '' | *[!0-9]*) fail "gid '$gid' is not a number (WORKLOADCTL_HOST_GID)" ;; esac
# What useradd accepts, a path (/home/NAME) and a compose .env line can carry; all digits
# would read as a uid.
if ! printf '%s\n' "$uname" | grep -Eq '^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$' \
    || printf '%s\n' "$uname" | grep -Eq '^[0-9]+$'; then
    fail "user name '$uname' is not usable in the container (letters, digits, '.', '_', '-'; set WORKLOADCTL_HOST_UNAME and devcontainer.json's remoteUser)"
fi

tmp="$here/.env.tmp.$$"
{
    printf 'UNAME=%s\n' "$uname"
    printf 'UID=%s\n' "$uid"
    printf 'GID=%s\n' "$gid"
    printf 'REPO_NAME=%s\n' "$(basename "$repo")"
} > "$tmp"
mv "$tmp" "$here/.env"
