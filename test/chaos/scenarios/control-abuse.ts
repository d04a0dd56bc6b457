// Hostile clients of the supervisor's control endpoint: malformed and unknown messages, an
// oversized message, and a flood of connections. Each costs its own connection at most.
import net from 'node:net';
import { exchange, type RawResult } from '../../helpers/raw.js';

export interface ControlCase {
  name: string;
  bytes: Buffer | string;
  /** An error reply is required (true) or a close without one is accepted too (false). */
  replyRequired: boolean;
  /** Input that is odd but harmless: an ok answer is fine too (the daemon just must not fall over). */
  okAllowed?: boolean;
}

export const CONTROL_CASES: ControlCase[] = [
  { name: 'not JSON', bytes: 'this is not json\n', replyRequired: false },
  { name: 'truncated JSON', bytes: '{"command": "status"\n', replyRequired: false },
  { name: 'a JSON array', bytes: '[1,2,3]\n', replyRequired: false },
  { name: 'JSON null', bytes: 'null\n', replyRequired: false },
  { name: 'a number as the command', bytes: '{"command": 42}\n', replyRequired: true },
  { name: 'no command', bytes: '{"properties": {"name": "web"}}\n', replyRequired: true },
  { name: 'an unknown command', bytes: '{"command": "frobnicate", "properties": {}}\n', replyRequired: true },
  { name: 'an unknown watcher', bytes: '{"command": "stop", "properties": {"name": "nope"}}\n', replyRequired: true },
  { name: 'an object as the watcher name', bytes: '{"command": "incr", "properties": {"name": {"$gt": ""}, "nb": 1}}\n', replyRequired: true },
  { name: 'a negative count', bytes: '{"command": "decr", "properties": {"name": "web", "nb": -5}}\n', replyRequired: true },
  { name: 'a non-numeric option value', bytes: '{"command": "set", "properties": {"name": "web", "options": {"graceful_timeout": "soon"}}}\n', replyRequired: true },
  { name: 'an unknown signal', bytes: '{"command": "signal", "properties": {"name": "web", "signum": "SIGNOPE"}}\n', replyRequired: true },
  { name: 'properties as a string', bytes: '{"command": "list", "properties": "web"}\n', replyRequired: true, okAllowed: true },
  { name: '__proto__ in properties', bytes: '{"command": "get", "properties": {"__proto__": {"polluted": 1}, "name": "web", "keys": ["numprocesses"]}}\n', replyRequired: true, okAllowed: true },
  { name: 'NUL and invalid UTF-8', bytes: Buffer.from([0, 0, 0xff, 0xfe, 0x7b, 0x0a]), replyRequired: false },
];

export interface ControlVerdict {
  name: string;
  reply?: { status?: unknown; reason?: unknown };
  closedByServer: boolean;
  problem?: string;
}

export function judge(c: ControlCase, r: RawResult): ControlVerdict {
  const text = r.data.toString('utf8');
  const line = text.split('\n').find((l) => l.trim());
  let reply: ControlVerdict['reply'];
  try {
    reply = line ? JSON.parse(line) : undefined;
  } catch {
    return { name: c.name, closedByServer: r.closedByServer, problem: `unreadable answer ${JSON.stringify(text.slice(0, 80))}` };
  }
  const v: ControlVerdict = { name: c.name, reply, closedByServer: r.closedByServer };
  if (reply && reply.status !== 'error' && !(c.okAllowed && reply.status === 'ok')) v.problem = `answered ${JSON.stringify(reply).slice(0, 160)}, expected an error`;
  else if (!reply && c.replyRequired) v.problem = 'no error reply';
  else if (!reply && !r.closedByServer) v.problem = 'no reply and the connection left open';
  return v;
}

/** Sends each case on its own connection; we close our side 1.5 s after sending. */
export async function abuseControl(socketPath: string): Promise<ControlVerdict[]> {
  return Promise.all(
    CONTROL_CASES.map(async (c) => {
      const r = await exchangeHalfClose(socketPath, c.bytes, 1500);
      return judge(c, r);
    }),
  );
}

/** Like exchange(), but an answer followed by our deadline counts as a reply (the server may keep the connection). */
async function exchangeHalfClose(socketPath: string, bytes: Buffer | string, ms: number): Promise<RawResult> {
  const r = await exchange({ socketPath }, bytes, { timeoutMs: ms });
  return { ...r, closedByServer: r.closedByServer || r.data.length > 0 };
}

/** `size` bytes without a newline: the server must close (or answer an error) without buffering it all. */
export async function oversized(socketPath: string, size: number): Promise<{ closedAfterBytes: number | undefined; reply: string }> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let closedAt: number | undefined;
    let reply = '';
    const pump = () => {
      while (sent < size && closedAt === undefined) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (sent >= size) setTimeout(() => s.destroy(), 2000);
    };
    s.on('connect', pump);
    s.on('data', (d) => (reply += d));
    s.on('error', () => (closedAt ??= sent));
    s.on('close', () => resolve({ closedAfterBytes: closedAt ?? (reply || sent < size ? sent : undefined), reply }));
    s.on('end', () => (closedAt ??= sent));
  });
}

/** Opens `n` connections that send nothing (half of them a partial line) and holds them. */
export async function flood(socketPath: string, n: number): Promise<{ sockets: net.Socket[]; failed: number }> {
  const sockets: net.Socket[] = [];
  let failed = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<void>((resolve) => {
        const s = net.connect(socketPath, () => {
          if (i % 2) s.write('{"command": "sta');
          resolve();
        });
        s.on('error', () => {
          failed++;
          resolve();
        });
        sockets.push(s);
      }),
    ),
  );
  return { sockets, failed };
}
