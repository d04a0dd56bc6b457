// The Hono app served both by @hono/node-server (under cluster) and by circus-worker's fetch handler.
import { Hono } from 'hono';
import { BIG, BINARY, HELLO, JSON_DOC } from './payloads.js';

const bigBytes = new TextEncoder().encode(BIG);

const app = new Hono();
app.get('/hello', (c) => c.text(HELLO));
app.get('/json', (c) => c.json(JSON_DOC));
app.get('/64k', (c) => c.body(bigBytes, 200, { 'content-type': 'text/plain; charset=UTF-8' }));
app.post('/echo', async (c) => c.body(await c.req.arrayBuffer(), 200, { 'content-type': BINARY }));

export default app;
