#!/usr/bin/env bash
# Server CPU time per request, for judging the fetch layer on a loaded machine: wall-clock req/s
# moves with whatever else runs, the server's own utime+stime per request much less.
# Each contender is a by-hand command with {PORT}; per round, every contender is started afresh
# (pinned to SERVER_CPU), warmed up, then wrk (pinned to WRK_CPU) runs each scenario while the
# server's /proc/PID/stat utime+stime is read before and after. Prints one line per measurement
# and, at the end, the median per contender and scenario. Needs wrk and taskset.
# SCHEME=https measures TLS servers (curl -k and wrk over TLS). The scenario `handshake` is no
# HTTP at all: HANDSHAKE_CLIENTS (4) `openssl s_time -new` processes, each opening a connection,
# making a full TLS handshake and closing, again and again (wrk with `Connection: close` resumes
# about half of its sessions, so it does not measure full handshakes). HEADER adds a header to
# wrk's requests. LOAD=h2 sends the requests as HTTP/2 streams with h2load (Debian's nghttp2-client)
# instead of wrk: CONNS connections, STREAMS (10) concurrent streams on each.
# Usage: bench/cpu-per-request.sh ROUNDS SECONDS SCENARIOS 'name=command {PORT}' ...
#   e.g. bench/cpu-per-request.sh 3 4 hello,json,echo \
#          'fetch=node build/worker/cli.js --bind 127.0.0.1:{PORT} --backend uws --handler fetch build/bench/apps/hono-app.js'
set -euo pipefail
rounds=$1 secs=$2 scenarios=$3
shift 3
SERVER_CPU=${SERVER_CPU:-1} WRK_CPU=${WRK_CPU:-0} CONNS=${CONNS:-50} SCHEME=${SCHEME:-http} HEADER=${HEADER:-}
here=$(cd "$(dirname "$0")" && pwd)
tck=$(getconf CLK_TCK)
out=$(mktemp)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -f "$out"' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
url_of() { case $1 in hello) echo /hello ;; json) echo /json ;; echo) echo /echo ;; *) echo "unknown scenario $1" >&2; exit 2 ;; esac; }
handshakes() { # port seconds -> prints the connections the s_time clients completed
  for _ in $(seq "${HANDSHAKE_CLIENTS:-4}"); do
    taskset -c "$WRK_CPU" openssl s_time -connect "127.0.0.1:$1" -new -time "$2" 2>/dev/null &
  done | awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }'
}
h2load_run() { # port scenario seconds -> prints the requests that succeeded
  taskset -c "$WRK_CPU" h2load -t1 -c"$CONNS" -m"${STREAMS:-10}" -D"$3" "https://127.0.0.1:$1$(url_of "$2")" |
    awk '/^requests:/ { print $8; if ($8 != $6) print "h2load: " $0 > "/dev/stderr" }'
}
wrk_run() { # port scenario seconds -> prints requests
  [ "$2" = handshake ] && { handshakes "$1" "$3"; return; }
  [ "${LOAD:-wrk}" = h2 ] && { h2load_run "$@"; return; }
  local script=() hdr=()
  [ "$2" = echo ] && script=(-s "$here/load/echo.lua")
  [ -n "$HEADER" ] && hdr=(-H "$HEADER")
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$3"s "${script[@]}" "${hdr[@]}" "$SCHEME://127.0.0.1:$1$(url_of "$2")" |
    awk '/requests in/ {print $1} /Non-2xx|Socket errors/ {print "wrk: " $0 > "/dev/stderr"}'
}

for ((r = 1; r <= rounds; r++)); do
  for spec in "$@"; do
    name=${spec%%=*} cmd=${spec#*=}
    port=$(free_port)
    taskset -c "$SERVER_CPU" sh -c "exec ${cmd//\{PORT\}/$port}" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 200); do curl -ksf -o /dev/null "$SCHEME://127.0.0.1:$port/hello" && break; sleep 0.05; done
    for sc in ${scenarios//,/ }; do
      wrk_run "$port" "$sc" 2 >/dev/null
      t0=$(cpu_ticks "$pid")
      n=$(wrk_run "$port" "$sc" "$secs")
      t1=$(cpu_ticks "$pid")
      awk -v r="$r" -v c="$name" -v s="$sc" -v n="$n" -v t=$((t1 - t0)) -v hz="$tck" -v d="$secs" \
        'BEGIN { printf "round %d %-10s %-6s %8.0f req/s  cpu %5.2f s  %6.1f us/req  %7.0f req/cpu-s\n", r, c, s, n/d, t/hz, t/hz*1e6/n, n/(t/hz) }' | tee -a "$out"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
echo "median us of server CPU per request (req per server CPU-second), over $rounds rounds:"
awk '{ k = $3 " " $4; v[k] = v[k] " " $10 } END { for (k in v) print k, v[k] }' "$out" | sort | while read -r c s vals; do
  m=$(printf '%s\n' $vals | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  awk -v c="$c" -v s="$s" -v m="$m" 'BEGIN { printf "%-10s %-6s %6.1f us/req (%.0f req/cpu-s)\n", c, s, m, 1e6/m }'
done
