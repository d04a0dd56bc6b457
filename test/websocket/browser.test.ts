// One real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core,
// never a downloaded browser) opens examples/chat.ts served by a real worker in two pages; a
// message sent from page A shows up on page B.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { killAll, ROOT } from '../helpers/process.js';
import { startWsWorker, UWS_SKIP } from './support.js';

after(killAll);

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

test('Chromium: a chat message typed on page A appears on page B', { skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} is absent (Debian package: chromium)` }, async () => {
  const w = await startWsWorker(UWS_SKIP ? 'node' : 'uws', [], {}, path.join(ROOT, 'examples/chat.ts'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'circus-chromium-'));
  let context: BrowserContext | undefined;
  try {
    // A persistent context is how playwright takes a fresh --user-data-dir of our choosing.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60000 });
    const url = (who: string) => `http://127.0.0.1:${w.port}/?room=browsers&name=${who}`;
    const a = await context.newPage();
    const b = await context.newPage();
    await a.goto(url('A'));
    await b.goto(url('B'));
    await a.waitForSelector('body[data-connected="yes"]', { timeout: 20000 });
    await b.waitForSelector('body[data-connected="yes"]', { timeout: 20000 });
    await a.fill('#text', 'hello from A');
    await a.click('#send');
    await b.waitForFunction(() => document.getElementById('log')!.textContent!.includes('A: hello from A'), undefined, { timeout: 20000 });
    await a.waitForFunction(() => document.getElementById('log')!.textContent!.includes('A: hello from A'), undefined, { timeout: 20000 });
    assert.match((await b.textContent('#log')) ?? '', /\* A joined|\* you are B/);
  } finally {
    await context?.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    w.release();
  }
});
