#!/usr/bin/env bash
# A quick TLS comparison, per server CPU-second: the worker with --certfile on the uws backend,
# on the node backend, and a bare node:https server, same certificate (ECDSA P-256 or RSA 2048,
# made here), same fetch-style hello. One server pinned to CPU 1, wrk -t1 -c50 -d5s pinned to
# CPU 0; rounds alternate the contenders. Two loads: keep-alive (TLS record cost), and
# `Connection: close` (a full handshake per request). Prints each round and the medians of
# requests per server CPU-second (the server's own utime+stime over the run), the figure a
# shared machine disturbs least; req/s is printed too but is not comparable across rounds here.
# Usage: bench/tls-quick.sh [ec|rsa] [rounds]   (npm run build first; uses the `node` on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keytype=${1:-ec}
rounds=${2:-3}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
if [ "$keytype" = rsa ]; then alg=(-newkey rsa:2048); else alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
openssl req -x509 "${alg[@]}" -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
echo 'export default { fetch: () => new Response("hello") };' > "$tmp/app.mjs"
cat > "$tmp/https.mjs" <<JS
import https from 'node:https';
import fs from 'node:fs';
const s = https.createServer({ cert: fs.readFileSync('$tmp/cert.pem'), key: fs.readFileSync('$tmp/key.pem'), keepAliveTimeout: 10000 }, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8', 'content-length': 5 });
  res.end('hello');
});
s.listen(0, '127.0.0.1', () => process.stderr.write('serving https://127.0.0.1:' + s.address().port + '\n'));
JS

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start() { # $1 contender, $2 output file; prints the pid
  case "$1" in
    uws|node) taskset -c 1 node "$root/build/worker/cli.js" --bind 127.0.0.1:0 --backend "$1" --certfile "$tmp/cert.pem" --keyfile "$tmp/key.pem" --cert-reload-interval 0 "$tmp/app.mjs" > "$2" 2>&1 & ;;
    https) taskset -c 1 node "$tmp/https.mjs" > "$2" 2>&1 & ;;
  esac
  echo $!
}

round() { # $1 contender, $2 keepalive|handshake; prints "req/s req-per-cpu-second"
  local out pid port t0 t1 res hdr=()
  out=$(mktemp -p "$tmp")
  pid=$(start "$1" "$out")
  for _ in $(seq 1 3000); do grep -q 'serving https://' "$out" && break; sleep 0.02; done
  port=$(grep -o 'serving https://127.0.0.1:[0-9]*' "$out" | grep -o '[0-9]*$')
  [ "$2" = handshake ] && hdr=(-H 'Connection: close')
  taskset -c 0 wrk -t1 -c50 -d1s "${hdr[@]}" "https://127.0.0.1:$port/" > /dev/null
  t0=$(ticks "$pid")
  res=$(taskset -c 0 wrk -t1 -c50 -d5s "${hdr[@]}" "https://127.0.0.1:$port/")
  t1=$(ticks "$pid")
  echo "$res" | awk -v cpu="$(( t1 - t0 ))" '/requests in/{n=$1} /Requests\/sec/{printf "%d %d\n", $2, n / (cpu / 100)}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

echo "key $keytype, $rounds rounds, node $(node --version)"
for load in keepalive handshake; do
  declare -A cpu=()
  for i in $(seq 1 "$rounds"); do
    for c in uws node https; do
      read -r rps per < <(round "$c" "$load")
      echo "$load round $i $c: $rps req/s, $per req per server CPU-second"
      cpu[$c]="${cpu[$c]:-} $per"
    done
  done
  for c in uws node https; do
    # shellcheck disable=SC2086
    echo "$load median $c: $(median ${cpu[$c]}) req per server CPU-second"
  done
  unset cpu
done
