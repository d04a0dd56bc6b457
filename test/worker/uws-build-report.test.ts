// What a user is told about the uWS build: circus-ctl status names the build each watcher serves
// with (from the workers' STATUS= line); a build that cannot load is explained in one line that
// says exactly why (the missing glibc symbol, the missing ABI), once per watcher, not per worker.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, CTL, startSupervisor, tempDir, waitForRunning, WORKER_APP } from '../helpers/supervisor.js';
import { start, waitFor } from '../helpers/process.js';
import { FETCH_APP, ready, WORKER_CLI } from '../helpers/worker.js';
import { uwsBuild, uwsSkip } from '../helpers/uws-available.js';

afterEach(cleanup);

function supervised(dir: string, workerArgs: string, numprocesses: number): string {
  return `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
cmd = circus-worker --fd $(circus.sockets.web) ${workerArgs} ${WORKER_APP}
use_sockets = True
numprocesses = ${numprocesses}

[socket:web]
host = 127.0.0.1
port = 0
`;
}

async function ctlOut(endpoint: string, ...args: string[]): Promise<string> {
  const p = start(process.execPath, [CTL, '--endpoint', endpoint, ...args]);
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr());
  return p.stdout();
}

test('circus-ctl status names the backend and the uWS build the workers serve with', async () => {
  const dir = tempDir();
  const r = await startSupervisor(supervised(dir, `--uws-module ${uwsBuild.module}`, 2), { dir });
  await waitForRunning(r, 'web', 2, 30000, false);
  // Where the build under test cannot run (no binary for this ABI), auto serves with node.
  const expected = uwsSkip ? 'backend=node' : `backend=uws build=${uwsBuild.id}`;
  await waitFor(async () => (await r.ok('status', { name: 'web' })).backend === expected || undefined, `status naming ${expected}`, 30000);
  assert.equal(await ctlOut(r.endpoint, 'status', 'web'), `active  ${expected}\n`);
  assert.match(await ctlOut(r.endpoint, 'status'), new RegExp(`^watcher\\s+status\\s+backend\\nweb\\s+active\\s+${expected.replace(/[.@/]/g, '\\$&')}\\n$`));
});

test('a uWS build that cannot load is explained once under the supervisor, by worker 1 only', async () => {
  const dir = tempDir();
  const r = await startSupervisor(supervised(dir, '--uws-module no-such-uws-build', 3), { dir });
  await waitForRunning(r, 'web', 3, 30000, false);
  await waitFor(() => (r.proc.stderr().match(/ serving .* backend=node /g) ?? []).length === 3 || undefined, 'three start lines', 30000);
  const why = r.proc.stderr().split('\n').filter((l) => /uWebSockets\.js unavailable/.test(l));
  assert.equal(why.length, 1, r.proc.stderr());
  assert.match(why[0], /warn: uWebSockets\.js unavailable: cannot find module 'no-such-uws-build'.*; serving with the node backend$/);
});

/** This system's glibc, e.g. [2, 36]. */
function glibc(): [number, number] {
  const v = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ?? '0.0';
  const [major, minor] = v.split('.').map(Number);
  return [major, minor];
}

test('the current npm build (uWS.js 20.57, built against glibc 2.38): one line naming the missing symbol where it cannot load, served where it can', async () => {
  // @btc-vision/uwebsockets.js@20.57.0 is a devDependency (uws-current) with binaries for ABI 115/127/137/141.
  const [major, minor] = glibc();
  const loads = major > 2 || (major === 2 && minor >= 38);
  const w = start(process.execPath, [WORKER_CLI, '--bind', '127.0.0.1:0', '--uws-module', 'uws-current', FETCH_APP], { env: { ...process.env, CIRCUS_WID: undefined } });
  try {
    const backend = await ready(w);
    const lines = w.stderr().split('\n').filter((l) => l.trim());
    if (loads) {
      assert.equal(backend, 'uws', w.stderr());
      assert.match(lines[0], / backend=uws build=@btc-vision\/uwebsockets\.js@20\.57\.0 /);
    } else {
      assert.equal(backend, 'node', w.stderr());
      assert.equal(lines.length, 2, `one line of why, then the start line: ${w.stderr()}`);
      assert.match(lines[0], new RegExp(`warn: uWebSockets\\.js unavailable: @btc-vision/uwebsockets\\.js@20\\.57\\.0 cannot load on Node ${process.version.replace(/\./g, '\\.')} \\(ABI ${process.versions.modules}, linux-x64\\): ` +
        `uws_linux_x64_${process.versions.modules}\\.node: GLIBC_2\\.38 not found \\(needs glibc >= 2\\.38, this system has ${major}\\.${minor}\\); ` +
        'for the uws backend here: npm install uWebSockets\\.js@github:uNetworking/uWebSockets\\.js#v20\\.52\\.0; serving with the node backend$'));
    }
  } finally {
    w.child.kill('SIGKILL');
    await w.exited;
  }
});
