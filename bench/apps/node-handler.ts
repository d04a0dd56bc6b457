// Node-style (req, res) handler: the baseline's app, also served by circus-worker --handler node.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BIG, BINARY, HELLO, JSON_DOC, JSON_TYPE, TEXT } from './payloads.js';

const bigBytes = Buffer.from(BIG);

function send(res: ServerResponse, type: string, body: string | Buffer): void {
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => send(res, BINARY, Buffer.concat(chunks)));
}

export default function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/hello') return send(res, TEXT, HELLO);
  if (req.method === 'GET' && url === '/json') return send(res, JSON_TYPE, JSON.stringify(JSON_DOC));
  if (req.method === 'GET' && url === '/64k') return send(res, TEXT, bigBytes);
  if (req.method === 'POST' && url === '/echo') return echo(req, res);
  res.writeHead(404, { 'content-type': TEXT }).end('Not Found');
}
