// Request checks both backends make before the app runs: the WebSocket handshake
// (fetch/handshake.ts) and uws's body framing (uws/fetch.ts badFraming). No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeProblem, wantsWebSocket } from '../../worker/fetch/handshake.js';
import { badFraming, type Copied } from '../../worker/uws/fetch.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

test('handshakeProblem: a sound handshake passes; each fault is named', () => {
  assert.equal(handshakeProblem('GET', KEY, '13'), undefined);
  assert.equal(handshakeProblem('GET', ` ${KEY} `, ' 13 '), undefined);
  assert.match(handshakeProblem('POST', KEY, '13')!, /must be a GET, not POST/);
  assert.match(handshakeProblem('GET', undefined, '13')!, /Sec-WebSocket-Key/);
  assert.match(handshakeProblem('GET', 'short==', '13')!, /Sec-WebSocket-Key/);
  assert.match(handshakeProblem('GET', KEY.replace('==', 'AA'), '13')!, /Sec-WebSocket-Key/);
  assert.match(handshakeProblem('GET', KEY, '8')!, /Sec-WebSocket-Version/);
  assert.match(handshakeProblem('GET', KEY, undefined)!, /Sec-WebSocket-Version/);
});

test('wantsWebSocket: the websocket token in an Upgrade list, any case', () => {
  for (const yes of ['websocket', 'WebSocket', 'h2c, websocket', 'websocket ,foo']) assert.equal(wantsWebSocket(yes), true, yes);
  for (const no of [undefined, '', 'h2c', 'websockets', 'not-websocket']) assert.equal(wantsWebSocket(no), false, String(no));
});

function copied(c: Partial<Copied>): Copied {
  return { headers: [], bytes: 0, host: 'h', contentLength: undefined, conflicting: false, chunked: false, upgrade: undefined, ...c };
}

test('badFraming: ambiguous body framing is refused (request smuggling), sound framing passes', () => {
  assert.equal(badFraming(copied({})), undefined);
  assert.equal(badFraming(copied({ contentLength: '42' })), undefined);
  assert.equal(badFraming(copied({ chunked: true })), undefined);
  assert.equal(badFraming(copied({ conflicting: true, contentLength: '5' })), 'two different Content-Length headers');
  assert.equal(badFraming(copied({ contentLength: '-1' })), "Content-Length '-1'");
  assert.equal(badFraming(copied({ contentLength: '1e3' })), "Content-Length '1e3'");
  assert.equal(badFraming(copied({ contentLength: 'x'.repeat(100) })), `Content-Length '${'x'.repeat(20)}'`);
  assert.equal(badFraming(copied({ contentLength: '5', chunked: true })), 'both Content-Length and Transfer-Encoding');
});
