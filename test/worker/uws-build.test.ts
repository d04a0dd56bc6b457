// Another uWS build than the bundled one: found next to the app, named in the start line, and
// given the worker's request-head limit through UWS_HTTP_MAX_HEADERS_SIZE before its addon loads
// (builds from v20.35 read it once, at load). The "build" here is a package that records the
// variable as it loads and then hands over the build under test's native addon, so it serves for real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, ROOT, waitForOutput } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { closeFd, runWorker, tcpListener } from '../helpers/worker.js';
import { uwsBuild, uwsSkip } from '../helpers/uws-available.js';

let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'circus-uws-build-'));
  const build = path.join(dir, 'app/node_modules/uWebSockets.js');
  fs.mkdirSync(build, { recursive: true });
  fs.writeFileSync(path.join(build, 'package.json'), JSON.stringify({ name: 'uWebSockets.js', version: '20.99.0-test', main: 'index.js' }));
  fs.writeFileSync(path.join(build, 'index.js'),
    `require('fs').writeFileSync(process.env.RECORD_TO, String(process.env.UWS_HTTP_MAX_HEADERS_SIZE));\n` +
    `module.exports = require(${JSON.stringify(uwsBuild.dir)});\n`);
  fs.writeFileSync(path.join(dir, 'app/app.mjs'), `export default { fetch: () => new Response('built') };\n`);
});

after(async () => {
  await killAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startWith(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ line: string; recorded: string; body: string }> {
  const listener = tcpListener();
  const record = path.join(dir, `record-${Math.random().toString(36).slice(2)}`);
  try {
    // Started from elsewhere: the build is found from the app's folder, not the working directory.
    const proc = runWorker(['--fd', '3', '--backend', 'uws', ...args, path.join(dir, 'app/app.mjs')], {
      cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe', listener.fd], env: { ...process.env, CIRCUS_UWS_MODULE: undefined, RECORD_TO: record, ...env },
    });
    try {
      const [line] = await waitForOutput(proc, /serving .*/, 30000);
      const reply = await request(targetOf(listener.address));
      return { line, recorded: fs.readFileSync(record, 'utf8'), body: reply.body };
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  } finally {
    closeFd(listener.fd);
  }
}

test('a uWebSockets.js next to the app is used, named in the start line, and gets a 16 KiB head limit', { skip: uwsSkip }, async () => {
  const { line, recorded, body } = await startWith({ UWS_HTTP_MAX_HEADERS_SIZE: undefined });
  assert.match(line, / backend=uws build=uWebSockets\.js@20\.99\.0-test /);
  assert.equal(recorded, '16384');
  assert.equal(body, 'built');
});

test('a UWS_HTTP_MAX_HEADERS_SIZE the user set is kept', { skip: uwsSkip }, async () => {
  const { recorded } = await startWith({ UWS_HTTP_MAX_HEADERS_SIZE: '65536' });
  assert.equal(recorded, '65536');
});

async function startLine(args: string[]): Promise<string> {
  const listener = tcpListener();
  try {
    const proc = runWorker(['--fd', '3', '--backend', 'uws', ...args, path.join(ROOT, 'test/fixtures/apps/fetch-app.ts')], { stdio: ['ignore', 'pipe', 'pipe', listener.fd] });
    try {
      const [line] = await waitForOutput(proc, /serving .*/, 30000);
      return line;
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  } finally {
    closeFd(listener.fd);
  }
}

test('the build under test is named in the start line by its package name and version', { skip: uwsSkip }, async () => {
  const line = await startLine([]);
  assert.ok(line.includes(` build=${uwsBuild.id} `), line);
});

test('a build named by its folder (--uws-module DIR) is named by its package, not the folder', { skip: uwsSkip }, async () => {
  const line = await startLine(['--uws-module', uwsBuild.dir]);
  assert.ok(line.includes(` build=${uwsBuild.id} `), line);
});
