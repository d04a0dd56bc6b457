// Request checks both backends make before the app runs: the WebSocket handshake
// (fetch/handshake.ts) and uws's request-head checks (uws/request-checks.ts headProblem). No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeProblem, wantsWebSocket } from '../../worker/fetch/handshake.js';
import { headProblem, type HeadFacts } from '../../worker/uws/request-checks.js';

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

function head(h: Partial<HeadFacts>): HeadFacts {
  return { hosts: 1, contentLength: undefined, lengths: 0, transferEncoding: undefined, ...h };
}

test('headProblem: a method that is not a token, two Hosts and ambiguous body framing are refused; sound heads pass', () => {
  assert.equal(headProblem('GET', head({})), undefined);
  assert.equal(headProblem('PROPFIND', head({})), undefined);
  assert.equal(headProblem('POST', head({ contentLength: '42', lengths: 1 })), undefined);
  assert.equal(headProblem('POST', head({ transferEncoding: 'gzip, chunked' })), undefined);
  assert.equal(headProblem('G(T', head({})), "method 'G(T'");
  assert.equal(headProblem('GET', head({ hosts: 2 })), 'two Host headers');
  assert.equal(headProblem('POST', head({ contentLength: '5', lengths: 2 })), 'two Content-Length headers');
  assert.equal(headProblem('POST', head({ contentLength: '-1', lengths: 1 })), "Content-Length '-1'");
  assert.equal(headProblem('POST', head({ contentLength: '1e3', lengths: 1 })), "Content-Length '1e3'");
  assert.equal(headProblem('POST', head({ contentLength: '18446744073709551616', lengths: 1 })), "Content-Length '18446744073709551616'");
  assert.equal(headProblem('POST', head({ contentLength: '18446744073709551615', lengths: 1 })), undefined);
  assert.equal(headProblem('POST', head({ contentLength: 'x'.repeat(100), lengths: 1 })), `Content-Length '${'x'.repeat(20)}'`);
  assert.equal(headProblem('POST', head({ contentLength: '5', lengths: 1, transferEncoding: 'chunked' })), 'both Content-Length and Transfer-Encoding');
  assert.equal(headProblem('POST', head({ transferEncoding: 'gzip' })), "Transfer-Encoding 'gzip'");
});
