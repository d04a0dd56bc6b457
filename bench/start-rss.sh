#!/usr/bin/env bash
# Start-up time and idle RSS of one worker, for the README's "Which Node, which backend" table.
# Uses the `node` on PATH and this checkout's build (npm run build first). Median of 5 starts each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/bare.mjs" <<'JS'
import http from 'node:http';
const s = http.createServer((q, r) => r.end('hi')).listen(0, '127.0.0.1', () => console.log(`serving 127.0.0.1:${s.address().port}`));
JS
echo 'export default { fetch: () => new Response("hi") };' > "$tmp/app.mjs"
printf 'export default { fetch: (_r: Request): Response => new Response("hi") };\n' > "$tmp/app.ts"
measure() { # args: the command after `node`; prints "median-ms median-MB"
  local res=() out pid t0 t1 port rss
  for _ in 1 2 3 4 5; do
    out=$(mktemp -p "$tmp")
    t0=$(date +%s%N)
    node "$@" > "$out" 2>&1 &
    pid=$!
    for _ in $(seq 1 2000); do grep -q serving "$out" && break; sleep 0.01; done
    t1=$(date +%s%N)
    port=$(grep -o 'serving [^ ]*' "$out" | grep -o '[0-9]*$')
    curl -s "127.0.0.1:$port/" > /dev/null
    sleep 0.5
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    res+=("$(( (t1 - t0) / 1000000 )) $(( rss / 1024 ))")
  done
  echo "$(printf '%s\n' "${res[@]}" | sort -n | sed -n 3p | cut -d' ' -f1)ms $(printf '%s\n' "${res[@]}" | sort -k2 -n | sed -n 3p | cut -d' ' -f2)MB"
}
w="$root/build/worker/cli.js"
echo "Node $(node --version): bare $(measure "$tmp/bare.mjs") | js auto $(measure "$w" --bind 127.0.0.1:0 "$tmp/app.mjs")" \
  "| js node $(measure "$w" --backend node --bind 127.0.0.1:0 "$tmp/app.mjs") | ts auto $(measure "$w" --bind 127.0.0.1:0 "$tmp/app.ts")"
