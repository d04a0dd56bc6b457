#!/usr/bin/env bash
# TLS per server CPU-second (issue 25's bench): circus-worker with --certfile on the uws backend
# (Hono app, the fetch path users run) and on the node backend (node handler), against node:https
# on an inherited-style fd (bench/servers/fd-http.ts, same node handler) and Bun.serve with TLS
# (same Hono app), all with one certificate made here per key type: ECDSA P-256 and RSA 2048.
# Two loads, through bench/cpu-per-request.sh (one server pinned to CPU 1, wrk -t1 -c50 pinned to
# CPU 0, contenders alternated per round, fresh processes, server utime+stime per request):
#   keep-alive  hello and json over long-lived TLS connections (record encryption + HTTP);
#   handshake   full TLS handshakes without HTTP: 4 `openssl s_time -new` clients connect,
#               handshake and close in a loop (wrk with `Connection: close` resumes about half of
#               its sessions, so it is not used here); the server's signature and key exchange dominate.
#   h2          hello and json as HTTP/2 streams (h2load: 50 connections × 10 streams) to the
#               worker's node backend with --http2 against node:http2's secure server (fd-http.ts
#               --http2), both with the node handler and HTTP/1.1 fallback (uWS and Bun.serve have no h2).
# Then prints the issue's targets with MET/MISSED, and ours for h2 (the same 0.97x as for https).
# Usage: bench/tls.sh [ROUNDS] [SECONDS] [KEYTYPES] [LOADS]   e.g. bench/tls.sh 5 4 ec,rsa keepalive,handshake,h2
# Env: UWS_MODULE=DIR (a uWS build for --uws-module; default: the worker's own resolution),
#      BUN=path/to/bun (default /var/cache/circus-bench/bun-1.4.4/bin/bun; the contender is left
#      out with a note when it is not there: bench/fetch-runtimes.sh fetches it).
# Needs npm run build first, wrk, openssl, taskset, and for h2 h2load (nghttp2-client); uses the `node` on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5} secs=${2:-4} keytypes=${3:-ec,rsa} loads=${4:-keepalive,handshake,h2}
BUN=${BUN:-/var/cache/circus-bench/bun-1.4.4/bin/bun}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
uws_flag=()
[ -n "${UWS_MODULE:-}" ] && uws_flag=(--uws-module "$UWS_MODULE")

echo "node $(node --version), $rounds rounds of ${secs}s, $(nproc) CPUs; $( [ -x "$BUN" ] && echo "bun $("$BUN" --version)" || echo "no bun at $BUN: left out")"
for kt in ${keytypes//,/ }; do
  case $kt in
    ec) alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa) alg=(-newkey rsa:2048) ;;
    *) echo "bench/tls.sh: unknown key type $kt (ec or rsa)" >&2; exit 2 ;;
  esac
  cert=$tmp/$kt-cert.pem key=$tmp/$kt-key.pem
  openssl req -x509 "${alg[@]}" -nodes -keyout "$key" -out "$cert" -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
  tlsargs="--certfile $cert --keyfile $key"
  contenders=(
    "uws=node build/worker/cli.js --bind 127.0.0.1:{PORT} --backend uws --handler fetch ${uws_flag[*]} $tlsargs --cert-reload-interval 0 build/bench/apps/hono-app.js"
    "node=node build/worker/cli.js --bind 127.0.0.1:{PORT} --backend node --handler node $tlsargs --cert-reload-interval 0 build/bench/apps/node-handler.js"
    "https=node build/bench/servers/fd-http.js node --bind 127.0.0.1:{PORT} $tlsargs"
  )
  [ -x "$BUN" ] && contenders+=("bun=$BUN build/bench/servers/runtime-serve.js {PORT} $cert $key")
  h2=(
    "node-h2=node build/worker/cli.js --bind 127.0.0.1:{PORT} --backend node --handler node $tlsargs --http2 --cert-reload-interval 0 build/bench/apps/node-handler.js"
    "http2=node build/bench/servers/fd-http.js node --bind 127.0.0.1:{PORT} $tlsargs --http2"
  )
  for load in ${loads//,/ }; do
    echo "=== $kt, $load"
    case $load in
      keepalive) SCHEME=https bash bench/cpu-per-request.sh "$rounds" "$secs" hello,json "${contenders[@]}" ;;
      handshake) SCHEME=https bash bench/cpu-per-request.sh "$rounds" "$secs" handshake "${contenders[@]}" ;;
      h2) SCHEME=https LOAD=h2 bash bench/cpu-per-request.sh "$rounds" "$secs" hello,json "${h2[@]}" ;;
      *) echo "bench/tls.sh: unknown load $load (keepalive, handshake, h2)" >&2; exit 2 ;;
    esac | tee "$tmp/$kt-$load.out"
  done
done

# The summary lines of cpu-per-request.sh read "NAME SCENARIO US us/req (N req/cpu-s)".
us() { [ -f "$tmp/$1.out" ] && awk -v c="$2" -v s="$3" '$1 == c && $2 == s && $4 == "us/req" { print $3 }' "$tmp/$1.out"; }
verdict() { # label ratio target (a load not measured in this run prints nothing)
  awk -v l="$1" -v r="$2" -v t="$3" 'BEGIN { if (r > 0) printf "%-58s %.2fx  %s\n", l, r, (r >= t ? "MET" : "MISSED") }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print 0; else print b / a }'; } # cost b over cost a
echo "=== targets, per server CPU-second (ratio of CPU cost per request; >= target is MET)"
for kt in ${keytypes//,/ }; do
  for s in hello json; do
    verdict "$kt keep-alive $s: uws >= 1.5x node:https" "$(ratio "$(us "$kt-keepalive" uws $s)" "$(us "$kt-keepalive" https $s)")" 1.5
  done
  for s in hello json; do
    verdict "$kt keep-alive $s: node backend >= 0.97x node:https" "$(ratio "$(us "$kt-keepalive" node $s)" "$(us "$kt-keepalive" https $s)")" 0.97
  done
  for c in uws node; do
    verdict "$kt handshake: $c >= 0.9x node:https (within 10%)" "$(ratio "$(us "$kt-handshake" $c handshake)" "$(us "$kt-handshake" https handshake)")" 0.9
  done
  for s in hello json; do
    verdict "$kt h2 $s: node backend --http2 >= 0.97x node:http2" "$(ratio "$(us "$kt-h2" node-h2 $s)" "$(us "$kt-h2" http2 $s)")" 0.97
  done
done
