// TypeScript apps as users have them: an ordinary project OUTSIDE this repository (whose own
// "type": "module" would hide what a CommonJS-scope project sees), in the three layouts npm
// users end up with, each app served by a real worker on an inherited socket. Hono and Express
// are installed next to the app with npm (from the cache `npm ci` filled), so they can only
// resolve from the app's own directory: /tmp never reaches this checkout's node_modules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { killAll, ROOT, waitForOutput } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { closeFd, runWorker, tcpListener } from '../helpers/worker.js';

const PROJECT = path.join(ROOT, 'test/fixtures/ts-project');

/** Each app and what it answers; the answer names what the layout had to get right. */
const APPS: Record<string, string> = {
  'js-suffix.ts': 'hello js-suffix',
  'extensionless.ts': 'hello extensionless',
  'module.mts': 'hello mts',
  'commonjs.cts': 'hello cts',
  'paths-alias.ts': 'hello paths',
  'decorators.ts': 'hello decorators',
  'json-import.ts': 'hello json 42',
  'hono-app.ts': 'hello hono',
  'hono-jsx-app.tsx': '<p>hello hono jsx</p>',
  'express-app.ts': 'hello express',
};

const LAYOUTS: Record<string, object | undefined> = {
  'type-module': { name: 'app', private: true, type: 'module' },
  'commonjs-scope': { name: 'app', version: '1.0.0', private: true },
  'no-package-json': undefined,
};

function installedVersion(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

let root = '';

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'circus-ts-layouts-'));
  // Real npm, the versions this checkout locked (so the cache has them); then drop the
  // package.json npm wrote, so 'no-package-json' has none between it and /.
  await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save',
    `hono@${installedVersion('hono')}`, `express@${installedVersion('express')}`], { cwd: root, timeout: 120000 });
  for (const f of ['package.json', 'package-lock.json']) fs.rmSync(path.join(root, f), { force: true });
  for (const [layout, pkg] of Object.entries(LAYOUTS)) {
    const dir = path.join(root, layout);
    fs.cpSync(PROJECT, dir, { recursive: true });
    if (pkg) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  }
});

after(async () => {
  await killAll();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Starts the worker as a user would, from `cwd`, on an inherited socket; returns GET / 's body. */
async function serve(cwd: string, app: string): Promise<string> {
  const listener = tcpListener();
  try {
    const proc = runWorker(['--fd', '3', app], { cwd, stdio: ['ignore', 'pipe', 'pipe', listener.fd] });
    try {
      await waitForOutput(proc, /serving \S+/, 60000);
      const reply = await request(targetOf(listener.address));
      assert.equal(reply.status, 200, `${app}: ${reply.body}`);
      return reply.body;
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  } finally {
    closeFd(listener.fd);
  }
}

test('the no-package-json layout has no package.json above it (so Node sees a CommonJS scope)', () => {
  for (let dir = path.join(root, 'no-package-json'); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    assert.ok(!fs.existsSync(path.join(dir, 'package.json')), `${dir}/package.json exists`);
  }
});

for (const layout of Object.keys(LAYOUTS)) {
  describe(`TypeScript apps in a ${layout} project (Node ${process.versions.node})`, () => {
    for (const [app, answer] of Object.entries(APPS)) {
      test(`${app} loads and answers`, async () => {
        assert.equal(await serve(path.join(root, layout), app), answer);
      });
    }
  });
}

test('tsconfig.json is the one next to the app, not the one in the working directory', async () => {
  // A supervisor's working_dir is often elsewhere: paths and decorators still come from the app's tsconfig.
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'circus-ts-cwd-'));
  try {
    for (const [app, answer] of [['paths-alias.ts', 'hello paths'], ['decorators.ts', 'hello decorators']]) {
      assert.equal(await serve(elsewhere, path.join(root, 'commonjs-scope', app)), answer);
    }
  } finally {
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});
