#!/usr/bin/env bash
# Instructions per request of one server, from valgrind's callgrind: repeatable where wall-clock
# and even CPU time are not (a machine shared with other work). The server runs under callgrind
# (30-50x slower), is warmed up with WARM seconds of wrk, its counters are zeroed, then wrk runs
# SECONDS more; instructions counted on the server's main thread (user space: JavaScript, V8,
# uWS; not V8's compiler and GC helper threads, whose share depends on timing) / requests served.
# Caveat, seen on Node 24: under valgrind V8's tier-up lags (30 s of warm-up left most of the
# handler in Maglev; with --no-maglev it reached TurboFan), and two runs of the same build still
# differed by up to 20%: compare builds only at the same tier (node --perf-basic-prof names it:
# `*` TurboFan, `+` Maglev; KEEP=DIR keeps the callgrind file) and over several runs.
# Usage: bench/instructions-per-request.sh SCENARIO 'command {PORT}' [WARM] [SECONDS]
#   SCENARIO: hello, json or echo.  Needs valgrind, wrk and taskset.
set -euo pipefail
sc=$1 cmd=$2 warm=${3:-30} secs=${4:-10}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
script=()
[ "$sc" = echo ] && script=(-s "$here/load/echo.lua")
url="http://127.0.0.1:$port/$sc"
# shellcheck disable=SC2086
taskset -c "${SERVER_CPU:-1}" valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" --separate-threads=yes --dump-instr=no --compress-strings=no \
  ${cmd//\{PORT\}/$port} >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/hello" && break; sleep 0.1; done
load() { taskset -c "${WRK_CPU:-0}" wrk -t1 -c"${CONNS:-50}" -d"$1"s --timeout 10s "${script[@]}" "$url"; }
load "$warm" >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
n=$(load "$secs" | awk '/requests in/ {print $1}')
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
# The dump after zeroing, main thread: cg.PID.1-01
ir=$(awk '/^summary:/ {s += $2} END {print s}' "$dir"/cg.*.1-01)
# Inside node::InternalMakeCallback: every entry from uWS into JavaScript (route handlers, onData,
# onAborted) with the microtasks that run as it returns. Leaves out the event loop and uWS's own
# parsing and sending between those calls, which depend on how many requests each wakeup finds
# (that is, on the load generator's luck), not on the code measured.
js=$(awk '/^fn=/ { inside = ($0 ~ /node::InternalMakeCallback/) ; next } inside && /^[0-9+*-]/ { s += $NF } END { print s + 0 }' "$dir"/cg.*.1-01)
[ -n "${KEEP:-}" ] && cp "$dir"/cg.*.1-01 "$KEEP"/
awk -v ir="$ir" -v js="$js" -v n="$n" -v sc="$sc" 'BEGIN { printf "%s: %d requests, %.0f instructions per request on the main thread, %.0f of them entered from uWS\n", sc, n, ir / n, js / n }'
