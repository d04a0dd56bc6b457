// The INI value readers (supervisor/values.ts) and control endpoint URLs (supervisor/endpoint.ts).
// Each bad value throws an error naming file, section and key. No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalName, toBool, toInt, toOctal, toSeconds, toSignal, type Where } from '../../supervisor/config/values.js';
import { isLoopback, parseEndpoint } from '../../supervisor/endpoint.js';

const w: Where = { file: '/etc/circus.ini', section: 'watcher:web', key: 'numprocesses', line: 7 };

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'EBADVALUE');
    assert.match(err.message, /circus\.ini/);
    assert.match(err.message, /watcher:web/);
    assert.match(err.message, /numprocesses/);
    assert.match(err.message, message);
    return true;
  });
}

test('toBool: Circus spellings of true and false', () => {
  for (const t of ['1', 'true', 'True', ' yes ', 'on', 'y', 't']) assert.equal(toBool(t, w), true, t);
  for (const f of ['0', 'false', 'NO', 'off', 'n', 'f', '']) assert.equal(toBool(f, w), false, f);
  rejects(() => toBool('maybe', w), /expected true or false, got "maybe"/);
});

test('toInt: whole numbers within bounds', () => {
  assert.equal(toInt(' 42 ', w), 42);
  assert.equal(toInt('-1', w, -1), -1);
  rejects(() => toInt('4.5', w), /expected a whole number, got "4.5"/);
  rejects(() => toInt('-1', w), /between 0 and/);
  rejects(() => toInt('11', w, 0, 10), /between 0 and 10, got 11/);
});

test('toSeconds: fractions allowed, signs and units not', () => {
  assert.equal(toSeconds('1.5', w), 1.5);
  assert.equal(toSeconds('.25', w), 0.25);
  assert.equal(toSeconds('30', w), 30);
  for (const bad of ['-1', '1s', '1.', 'abc']) rejects(() => toSeconds(bad, w), /expected a number of seconds/);
});

test('toOctal: umask-style masks', () => {
  assert.equal(toOctal('022', w), 0o22);
  assert.equal(toOctal('0o755', w), 0o755);
  rejects(() => toOctal('8', w), /octal mask/);
  rejects(() => toOctal('07777', w), /octal mask/);
});

test('toSignal and signalName: names, short names and numbers', () => {
  assert.equal(toSignal('SIGTERM', w), 'SIGTERM');
  assert.equal(toSignal('quit', w), 'SIGQUIT');
  assert.equal(toSignal('9', w), 'SIGKILL');
  rejects(() => toSignal('SIGNOPE', w), /unknown signal "SIGNOPE"/);
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName('hup'), 'SIGHUP');
  assert.equal(signalName('nope'), undefined);
});

test('parseEndpoint: tcp and unix (ipc) URLs; every fault is a sentence, not a throw', () => {
  assert.deepEqual(parseEndpoint('tcp://127.0.0.1:5555'), { kind: 'tcp', host: '127.0.0.1', port: 5555, url: 'tcp://127.0.0.1:5555' });
  assert.deepEqual(parseEndpoint('tcp://[::1]:0/'), { kind: 'tcp', host: '::1', port: 0, url: 'tcp://[::1]:0/' });
  assert.deepEqual(parseEndpoint('unix:///run/c.sock'), { kind: 'unix', path: '/run/c.sock', url: 'unix:///run/c.sock' });
  assert.deepEqual(parseEndpoint('ipc:///run/c.sock'), { kind: 'unix', path: '/run/c.sock', url: 'ipc:///run/c.sock' });
  assert.match(parseEndpoint('unix://relative.sock') as string, /absolute path/);
  assert.match(parseEndpoint('tcp://host:70000') as string, /port 70000 is out of range/);
  for (const bad of ['http://x:1', 'tcp://host', 'tcp://:5555', '127.0.0.1:5555']) assert.match(parseEndpoint(bad) as string, /expected tcp:\/\/HOST:PORT or unix:\/\/\/PATH/, bad);
  assert.equal(isLoopback('127.0.0.2'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('localhost'), true);
  assert.equal(isLoopback('10.0.0.1'), false);
});
