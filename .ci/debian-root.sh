#!/usr/bin/env bash
# A Debian 13 (trixie, glibc 2.41) root for the tests that need a current uWebSockets.js build
# (they need glibc >= 2.38; the host may be older). Made once with debootstrap into a cache outside
# the clone, like the Node binaries; running it again only adds what is missing.
#
#   .ci/debian-root.sh ensure          make the root (or check it), install the test packages
#   .ci/debian-root.sh run CMD ARG...  run CMD inside it, in this checkout, with the Node cache
#   .ci/debian-root.sh check-kill      SIGKILL a run, check that no mount or process is left
#
# `run` mounts /proc, /dev, the checkout and the Node cache inside a private mount namespace
# (unshare -m --propagation private): the mounts belong to that namespace alone and vanish with
# its last process, so a killed run leaves nothing mounted on the host. Loopback is shared with
# the host (no network namespace). Needs root (debootstrap, unshare, chroot).
set -euo pipefail

ROOT_DIR=${CIRCUS_ROOT_CACHE:-/var/cache/circus-root}/trixie
NODE_CACHE=${CIRCUS_NODE_CACHE:-/var/cache/circus-node}
MIRROR=${CIRCUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the uws tests use besides Node: curl, openssl and python3 as clients and peers, nginx as a
# proxy, systemd-socket-activate (systemd), chromium for the browser test (~200 MB, downloaded once),
# redis-server for the --pubsub tests (they start their own on a random port).
PACKAGES=(ca-certificates curl openssl python3 procps nginx systemd chromium redis-server)
CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)

ensure() {
  local start=$SECONDS
  if [ ! -x "$ROOT_DIR/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    # Into a fresh folder first, so an interrupted debootstrap never passes for a root.
    local tmp="$ROOT_DIR.partial"
    rm -rf "$tmp"
    mkdir -p "$(dirname "$ROOT_DIR")"
    echo "debian-root: debootstrap --variant=minbase trixie $ROOT_DIR" >&2
    debootstrap --variant=minbase trixie "$tmp" "$MIRROR" >/dev/null
    rm -rf "$ROOT_DIR"
    mv "$tmp" "$ROOT_DIR"
  fi
  local missing=()
  for p in "${PACKAGES[@]}"; do
    chroot "$ROOT_DIR" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # Packages must not start services in the root (they would listen on the host's network).
  printf '#!/bin/sh\nexit 101\n' > "$ROOT_DIR/usr/sbin/policy-rc.d"
  chmod +x "$ROOT_DIR/usr/sbin/policy-rc.d"
  if [ ${#missing[@]} -gt 0 ]; then
    echo "debian-root: installing ${missing[*]}" >&2
    (in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null && apt-get clean")
  fi
  echo "debian-root: $ROOT_DIR ready in $((SECONDS - start))s (glibc $(chroot "$ROOT_DIR" /usr/bin/ldd --version 2>/dev/null | awk 'NR == 1 { print $NF }'))" >&2
}

# Runs "$@" chrooted into the root, from the checkout, in a private mount namespace; replaces
# the calling shell (so killing the caller kills unshare, not only this script).
in_root() {
  cp -L /etc/resolv.conf "$ROOT_DIR/etc/resolv.conf" 2>/dev/null || true
  # Its own pid namespace too: when unshare is killed, --kill-child kills the namespace's first
  # process and the kernel then kills every process left in it (workers, test servers), so
  # nothing outlives a killed run, and the mounts, which only this namespace ever saw, go with it.
  exec unshare --mount --propagation private --pid --fork --kill-child sh -ec '
    r=$1 checkout=$2 nodes=$3; shift 3
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
    # After /tmp: a checkout under /tmp (a CI clone in mktemp -d) gets its mount point on the tmpfs.
    mkdir -p "$r$checkout" "$r$nodes"
    mount --bind "$checkout" "$r$checkout"
    mount --bind "$nodes" "$r$nodes"
    cd "$r$checkout"
    # Not exec: this sh stays the first process of the namespace and reaps orphans (node would not).
    status=0
    chroot "$r" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$checkout" "$@" || status=$?
    exit $status
  ' in-root "$ROOT_DIR" "$CHECKOUT" "$NODE_CACHE" "$@"
}

# Kills a run with SIGKILL while its mounts are up and checks that the host has no mount under the
# root and no process of the run left (CI runs this once before the tests).
check_kill() {
  # Unique sleep lengths mark the run's processes (GNU sleep takes fractions).
  local marker="sleep 30[01]\.$$" pid inner='' left
  "$0" run sh -c "sleep 300.$$ & sleep 301.$$" &
  pid=$!
  for _ in $(seq 1 100); do
    inner=$(pgrep -P "$pid" || true)
    [ -n "$inner" ] && grep -q " $ROOT_DIR/proc " "/proc/$inner/mounts" 2>/dev/null && pgrep -f "$marker" >/dev/null && break
    sleep 0.1
  done
  grep -q " $ROOT_DIR/proc " "/proc/$inner/mounts" 2>/dev/null || { echo "debian-root: check-kill: the run never came up" >&2; return 1; }
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pgrep -f "$marker" >/dev/null || break; sleep 0.1; done
  left=$(grep -c " $ROOT_DIR" /proc/mounts || true)
  if [ "$left" != 0 ] || pgrep -f "$marker" >/dev/null; then
    echo "debian-root: check-kill: after SIGKILL, $left mount(s) under $ROOT_DIR and processes: $(pgrep -f "$marker" | tr '\n' ' ')" >&2
    return 1
  fi
  echo "debian-root: check-kill: a run killed with SIGKILL left no mount and no process behind" >&2
}

case "${1:-}" in
  ensure) ensure ;;
  check-kill) check_kill ;;
  run) shift; [ $# -gt 0 ] || { echo "usage: $0 run CMD [ARG...]" >&2; exit 2; }; [ -x "$ROOT_DIR/usr/bin/apt-get" ] || ensure; in_root "$@" ;;
  *) echo "usage: $0 ensure | check-kill | run CMD [ARG...]" >&2; exit 2 ;;
esac
