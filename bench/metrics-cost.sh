#!/usr/bin/env bash
# What the per-request metrics cost: one worker pinned to CPU 1, wrk -t1 -c50 -d5s pinned to CPU 0,
# alternating rounds with the reports on (CIRCUS_NOTIFY_FD set, pointed at /dev/null) and off.
# Prints, per round, req/s and requests per server CPU-second (the figure a shared machine
# disturbs least: the worker's own utime+stime over the run), then the medians.
# Usage: bench/metrics-cost.sh [backend] [rounds]
# Uses the `node` on PATH and this checkout's build (npm run build first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
backend=${1:-node}
rounds=${2:-4}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
echo 'export default { fetch: () => new Response("hello") };' > "$tmp/app.mjs"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

round() { # $1 = on|off; prints "req/s req-per-cpu-second"
  local port pid out
  out=$(mktemp -p "$tmp") # one per round: the background start truncates it only after we start reading
  if [ "$1" = on ]; then
    CIRCUS_NOTIFY_FD=9 taskset -c 1 node "$root/build/worker/cli.js" --bind 127.0.0.1:0 --backend "$backend" "$tmp/app.mjs" 9>/dev/null > "$out" 2>&1 &
  else
    taskset -c 1 node "$root/build/worker/cli.js" --bind 127.0.0.1:0 --backend "$backend" "$tmp/app.mjs" > "$out" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 3000); do grep -q serving "$out" && break; sleep 0.02; done # up to 60 s on a loaded machine
  port=$(grep -o 'serving 127.0.0.1:[0-9]*' "$out" | grep -o '[0-9]*$')
  taskset -c 0 wrk -t1 -c50 -d1s "http://127.0.0.1:$port/" > /dev/null # warm-up
  local t0 t1 res
  t0=$(ticks "$pid")
  res=$(taskset -c 0 wrk -t1 -c50 -d5s "http://127.0.0.1:$port/")
  t1=$(ticks "$pid")
  echo "$res" | awk -v cpu="$(( t1 - t0 ))" '/requests in/{n=$1} /Requests\/sec/{printf "%d %d\n", $2, n / (cpu / 100)}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

on=(); off=(); onc=(); offc=()
for i in $(seq 1 "$rounds"); do
  read -r r c < <(round off); off+=("$r"); offc+=("$c")
  read -r r c < <(round on); on+=("$r"); onc+=("$c")
  echo "round $i: off ${off[-1]} req/s ${offc[-1]} req/CPU-s, on ${on[-1]} req/s ${onc[-1]} req/CPU-s (load $(cut -d' ' -f1 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
compare() { # $1 label, $2 median on, $3 median off
  echo "$1: off $3, on $2, ratio $(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.3f", a/b}'), cost per request $(awk -v a="$2" -v b="$3" 'BEGIN{printf "%+.0f ns", (1e9/a - 1e9/b)}')"
}
echo "$backend $(node --version), medians of $rounds:"
compare "  req/s" "$(median "${on[@]}")" "$(median "${off[@]}")"
compare "  req per server CPU-second" "$(median "${onc[@]}")" "$(median "${offc[@]}")"
