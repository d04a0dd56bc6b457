// A rolling reload under WebSocket load: circus-supervisor runs 2 workers, `circus-ctl reload`
// replaces both while clients keep connecting and others hold connections open. Every client
// either connects or is told to reconnect with 1001; none is refused or gets an HTTP error.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { start } from '../helpers/process.js';
import { targetOf } from '../helpers/http.js';
import { cleanup, CTL, startSupervisor, tempDir, waitForRunning, watcherPids } from '../helpers/supervisor.js';
import { ECHO_APP } from './support.js';
import { UWS_MODULE_FLAG } from '../helpers/uws-available.js';

afterEach(cleanup);

interface Outcome {
  opened: boolean;
  code?: number;
  error?: string;
}

/** One client: connect, wait for the hello, hold for `holdMs` (or until the server closes). */
function connectOnce(port: number, holdMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { opened: false };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?name=load`);
    let timer: NodeJS.Timeout | undefined;
    ws.on('message', () => {
      if (out.opened) return;
      out.opened = true;
      timer = setTimeout(() => ws.close(1000), holdMs);
    });
    ws.on('unexpected-response', (_req, res) => (out.error = `HTTP ${res.statusCode}`));
    ws.on('error', (err: NodeJS.ErrnoException) => (out.error ??= err.code ?? err.message));
    ws.on('close', (code) => {
      clearTimeout(timer);
      out.code = code;
      resolve(out);
    });
  });
}

test('circus-ctl reload of 2 workers under WebSocket load: every client connects or gets 1001, none is refused', async () => {
  const dir = tempDir();
  const ini = `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n\n` +
    `[watcher:web]\ncmd = circus-worker --fd $(circus.sockets.web) ${UWS_MODULE_FLAG} ${ECHO_APP}\nuse_sockets = True\nnumprocesses = 2\ngraceful_timeout = 10\n`;
  const r = await startSupervisor(ini, { dir });
  const old = await waitForRunning(r, 'web', 2, 30000, false);
  const { port } = targetOf(r.sockets.get('web')!) as { port: number };

  // Holders stay connected until their worker drains; churners keep opening short connections.
  const holders = Array.from({ length: 6 }, () => connectOnce(port, 60_000));
  await new Promise((resolve) => setTimeout(resolve, 300));
  let reloading = true;
  const churn: Outcome[] = [];
  const churners = Array.from({ length: 4 }, async () => {
    while (reloading) churn.push(await connectOnce(port, 50));
  });
  const ctl = start(process.execPath, [CTL, '--endpoint', r.endpoint, 'reload', 'web']);
  const ctlExit = await ctl.exited;
  reloading = false;
  await Promise.all(churners);
  const held = await Promise.all(holders);

  assert.equal(ctlExit.code, 0, `circus-ctl reload: ${ctl.stdout()} ${ctl.stderr()}`);
  const fresh = await watcherPids(r, 'web');
  assert.equal(fresh.filter((p) => old.includes(p)).length, 0, 'both workers were replaced');
  const all = [...held, ...churn];
  const bad = all.filter((o) => o.error || (!o.opened && o.code !== 1001) || (o.opened && o.code !== 1000 && o.code !== 1001));
  assert.deepEqual(bad, [], `${bad.length} of ${all.length} clients neither connected nor got 1001`);
  for (const h of held) assert.equal(h.code, 1001, 'a connection held across the reload was closed with 1001 by its draining worker');
  assert.ok(churn.length >= 20, `only ${churn.length} connections were attempted during the reload`);
});
