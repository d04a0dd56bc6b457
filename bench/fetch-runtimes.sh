#!/usr/bin/env bash
# Fetches, once, what the bench's Node 24 matrix compares against and runs on, from the npm
# registry into a cache outside the clone (like .ci/run does for Node): Bun and Deno (the
# bun/deno contenders) and uWebSockets.js 20.57 (a current build: needs glibc >= 2.38, so it
# loads only in the Debian 13 root; name it with `npm run bench -- --uws-module DIR`).
# Prints the cache directory. CIRCUS_BENCH_CACHE overrides /var/cache/circus-bench.
set -euo pipefail
cache=${CIRCUS_BENCH_CACHE:-/var/cache/circus-bench}
mkdir -p "$cache"
fetch() { # fetch NPM-SPEC DIR FILE-THAT-PROVES-IT
  local spec=$1 dir="$cache/$2"
  [ -e "$dir/$3" ] && return
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && mkdir -p "$dir" && tar xzf ./*.tgz -C "$dir" --strip-components=1)
  rm -rf "$tmp"
}
fetch @oven/bun-linux-x64@1.4.4 bun-1.4.4 bin/bun
fetch @deno/linux-x64-glibc@2.9.6 deno-2.9.6 deno
fetch @btc-vision/uwebsockets.js@20.57.0 uws-20.57 uws.js
chmod -R go+rX "$cache"
echo "$cache"
