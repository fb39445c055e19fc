#!/bin/sh
# Runs on the HOST before `docker compose` (devcontainer.json "initializeCommand").
# docker compose reads .devcontainer/.env: this writes the developer's name, uid and gid
# and the repository's directory name there, so the image's account matches the host's
# (files in the mounted repository keep the right owner). `UID` is a shell variable, not
# an exported environment variable, so compose would not see it otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
tmp="$here/.env.tmp.$$"
{
    printf 'UNAME=%s\n' "$(id -un)"
    printf 'UID=%s\n' "$(id -u)"
    printf 'GID=%s\n' "$(id -g)"
    printf 'REPO_NAME=%s\n' "$(basename "$repo")"
} > "$tmp"
mv "$tmp" "$here/.env"
