# shellcheck shell=bash
# Shared helpers for the project's scripts. Sourced, never executed.
#
# Home Assistant 2026.10+ needs Python >= 3.14.2. Where the host has one, we use
# it with a venv in .venv. Otherwise scripts/setup builds a small Debian sid
# root (debootstrap) that carries python3.14, and every command runs inside it
# with this checkout bind-mounted at the same path, so paths stay identical.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AISTHOS_ROOT="${AISTHOS_ROOT:-/opt/aisthos/root}"
HOST_VENV="${AISTHOS_VENV:-$REPO/.venv}"
ROOT_VENV=/opt/venv

host_python_ok() {
    command -v python3.14 >/dev/null 2>&1 &&
        python3.14 -c 'import sys; sys.exit(sys.version_info < (3, 14, 2))'
}

# Bind-mount what commands inside the root need; idempotent.
mount_root() {
    local dir
    mountpoint -q "$AISTHOS_ROOT/proc" || mount -t proc proc "$AISTHOS_ROOT/proc"
    for dir in /dev /dev/pts /sys; do
        mkdir -p "$AISTHOS_ROOT$dir"
        mountpoint -q "$AISTHOS_ROOT$dir" || mount --bind "$dir" "$AISTHOS_ROOT$dir"
    done
    mkdir -p "$AISTHOS_ROOT/dev/shm"
    mountpoint -q "$AISTHOS_ROOT/dev/shm" || mount -t tmpfs -o size=1g tmpfs "$AISTHOS_ROOT/dev/shm"
    # The checkout and its sibling folders (../shared) at their own paths.
    local parent
    parent="$(dirname "$REPO")"
    mkdir -p "$AISTHOS_ROOT$parent"
    # A mount left by an earlier run may show a folder that was deleted and
    # made anew since (same path, other inode): replace it.
    if mountpoint -q "$AISTHOS_ROOT$parent" &&
        [[ "$(stat -c %d:%i "$parent")" != "$(stat -c %d:%i "$AISTHOS_ROOT$parent")" ]]; then
        umount -l "$AISTHOS_ROOT$parent"
    fi
    mountpoint -q "$AISTHOS_ROOT$parent" || mount --rbind "$parent" "$AISTHOS_ROOT$parent"
    cp /etc/resolv.conf "$AISTHOS_ROOT/etc/resolv.conf" 2>/dev/null || true
}

# Run a command with the project's Python environment first on PATH, from the repo.
in_env() {
    if [[ "${AISTHOS_IN_ROOT:-}" == 1 ]]; then
        # Already inside the root (a script called from a test, say).
        (cd "$REPO" && PATH="$ROOT_VENV/bin:$PATH" "$@")
    elif host_python_ok; then
        (cd "$REPO" && PATH="$HOST_VENV/bin:$PATH" "$@")
    else
        mount_root
        chroot "$AISTHOS_ROOT" /usr/bin/env -i \
            HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
            AISTHOS_SCREENSHOTS="${AISTHOS_SCREENSHOTS:-}" \
            PATH="$ROOT_VENV/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
            PYTHONDONTWRITEBYTECODE=1 AISTHOS_IN_ROOT=1 \
            /bin/bash -c 'cd "$0" && exec "$@"' "$REPO" "$@"
    fi
}
