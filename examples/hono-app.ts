// A Hono app served by circus-worker: Hono apps are fetch handlers, so export the app itself.
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text('Hello from Hono on circus-worker\n'));
app.get('/json', (c) => c.json({ hello: c.req.query('name') ?? 'world' }));
app.post('/echo', async (c) => c.text(await c.req.text()));

export default app;
