// A uWebSockets.js-native app: circus-worker hands it the raw uWS app (--handler uws).
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { BIG, BINARY, HELLO, JSON_DOC, JSON_TYPE, TEXT } from './payloads.js';

const bigBytes = Buffer.from(BIG);

function send(res: HttpResponse, type: string, body: string | Uint8Array): void {
  res.cork(() => {
    res.writeStatus('200 OK').writeHeader('content-type', type).end(body);
  });
}

function echo(res: HttpResponse): void {
  const chunks: Buffer[] = [];
  let aborted = false;
  res.onAborted(() => (aborted = true));
  res.onData((chunk, isLast) => {
    // uWS reuses the chunk's memory after this callback returns: copy it.
    chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (isLast && !aborted) send(res, BINARY, Buffer.concat(chunks));
  });
}

export default function routes(app: TemplatedApp): void {
  app.get('/hello', (res) => send(res, TEXT, HELLO));
  app.get('/json', (res) => send(res, JSON_TYPE, JSON.stringify(JSON_DOC)));
  app.get('/64k', (res) => send(res, TEXT, bigBytes));
  app.post('/echo', (res) => echo(res));
}
