// Encoding and decoding of struct sockaddr_{in,in6,un} for the raw socket calls.
import net from 'node:net';
import { C } from './libc.js';

export type SocketAddress =
  | { family: 'AF_INET' | 'AF_INET6'; host: string; port: number }
  | { family: 'AF_UNIX'; path: string };

export function encodeSockaddr(addr: SocketAddress): Buffer {
  if (addr.family === 'AF_UNIX') {
    const path = Buffer.from(addr.path);
    if (path.length >= 108) throw new RangeError(`Unix socket path is longer than 107 bytes: ${addr.path}`);
    const buf = Buffer.alloc(110);
    buf.writeUInt16LE(C.AF_UNIX, 0);
    path.copy(buf, 2);
    return buf;
  }
  if (addr.family === 'AF_INET') {
    const buf = Buffer.alloc(16);
    buf.writeUInt16LE(C.AF_INET, 0);
    buf.writeUInt16BE(addr.port, 2);
    const parts = addr.host.split('.').map(Number);
    if (!net.isIPv4(addr.host)) throw new RangeError(`not an IPv4 address: ${addr.host}`);
    parts.forEach((p, i) => buf.writeUInt8(p, 4 + i));
    return buf;
  }
  const buf = Buffer.alloc(28);
  buf.writeUInt16LE(C.AF_INET6, 0);
  buf.writeUInt16BE(addr.port, 2);
  ipv6Bytes(addr.host).copy(buf, 8);
  return buf;
}

export function decodeSockaddr(buf: Buffer, len: number): SocketAddress | undefined {
  const family = buf.readUInt16LE(0);
  if (family === C.AF_INET) {
    return { family: 'AF_INET', port: buf.readUInt16BE(2), host: [4, 5, 6, 7].map((i) => buf[i]).join('.') };
  }
  if (family === C.AF_INET6) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(8 + i * 2).toString(16));
    return { family: 'AF_INET6', port: buf.readUInt16BE(2), host: compressIpv6(groups) };
  }
  if (family === C.AF_UNIX) {
    const raw = buf.subarray(2, Math.max(2, len));
    const nul = raw.indexOf(0);
    return { family: 'AF_UNIX', path: raw.subarray(0, nul === -1 ? raw.length : nul).toString() };
  }
  return undefined;
}

export function formatAddress(addr: SocketAddress): string {
  if (addr.family === 'AF_UNIX') return `unix:${addr.path}`;
  return addr.family === 'AF_INET6' ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

function ipv6Bytes(host: string): Buffer {
  if (!net.isIPv6(host)) throw new RangeError(`not an IPv6 address: ${host}`);
  let text = host;
  const out = Buffer.alloc(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function compressIpv6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
