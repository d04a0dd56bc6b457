// The WebSocket bench's load generator, run pinned in its own process: N raw TCP connections,
// each completes the handshake, then sends one masked text frame and waits for its echo, over
// and over. Server frames have a fixed size, so an echo is counted by bytes, with no parsing:
// the client stays cheap next to the servers it measures.
//   node build/bench/load/ws-echo-client.js PORT CONNECTIONS WARMUP_S SECONDS SIZE [IN_FLIGHT]
// (IN_FLIGHT messages outstanding per connection, default 1) prints one JSON line:
// { messages, seconds, clientCpuSeconds, connected }
import crypto from 'node:crypto';
import net from 'node:net';

const [port, connections, warmupS, seconds, size, inFlight = 1] = process.argv.slice(2).map(Number);
if (!(size > 0 && size < 126)) throw new Error('SIZE must be 1..125 bytes');

const mask = crypto.randomBytes(4);
const payload = Buffer.alloc(size, 'x');
const out = Buffer.concat([Buffer.from([0x81, 0x80 | size]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
const echoBytes = 2 + size;

let echoes = 0;
let connected = 0;

function connection(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let head = Buffer.alloc(0);
    let open = false;
    let pending = 0;
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      if (!open) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return reject(new Error(`handshake: ${head.toString().split('\r\n')[0]}`));
        open = true;
        connected++;
        resolve();
        d = head.subarray(end + 4);
        for (let i = 0; i < inFlight; i++) s.write(out);
      }
      pending += d.length;
      while (pending >= echoBytes) {
        pending -= echoBytes;
        echoes++;
        s.write(out);
      }
    });
    s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await Promise.all(Array.from({ length: connections }, connection));
await sleep(warmupS * 1000);
const e0 = echoes;
const c0 = process.cpuUsage();
const t0 = performance.now();
await sleep(seconds * 1000);
const e1 = echoes;
const cpu = process.cpuUsage(c0);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ messages: e1 - e0, seconds: (t1 - t0) / 1000, clientCpuSeconds: (cpu.user + cpu.system) / 1e6, connected }) + '\n');
process.exit(0);
