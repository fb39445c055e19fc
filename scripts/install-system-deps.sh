#!/usr/bin/env bash
# Debian packages workloadctl needs on a development machine: s6 (s6-svscan & co.),
# execline (execlineb, which runs s6-rc `up` lines), tmux (the attach test), util-linux
# (unshare). Skips apt entirely when everything is already there.
set -euo pipefail

need=()
command -v s6-svscan >/dev/null 2>&1 || need+=(s6)
command -v execlineb >/dev/null 2>&1 || need+=(execline)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)

if [ ${#need[@]} -eq 0 ]; then
    echo "system packages: s6, execline, tmux, unshare already installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "system packages: installing ${need[*]} with apt-get"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
