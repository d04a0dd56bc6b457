// A plain fetch-style app (no framework): what `--fetch-app plain` serves.
import { BIG, BINARY, HELLO, JSON_DOC, JSON_TYPE, TEXT } from './payloads.js';

const bigBytes = new TextEncoder().encode(BIG);

function ok(body: BodyInit, type: string): Response {
  return new Response(body, { status: 200, headers: { 'content-type': type } });
}

async function fetch(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  if (req.method === 'GET' && pathname === '/hello') return ok(HELLO, TEXT);
  if (req.method === 'GET' && pathname === '/json') return ok(JSON.stringify(JSON_DOC), JSON_TYPE);
  if (req.method === 'GET' && pathname === '/64k') return ok(bigBytes, TEXT);
  if (req.method === 'POST' && pathname === '/echo') return ok(await req.arrayBuffer(), BINARY);
  return new Response('Not Found', { status: 404, headers: { 'content-type': TEXT } });
}

export default { fetch };
