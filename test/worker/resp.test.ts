// The RESP2 parser of the --pubsub client, fed the way TCP delivers: in pieces of any size. A
// pub/sub message must come out whole and byte for byte whatever the split; the broker URL is
// read the way the docs say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { command, ReplyError, ReplyParser, type Reply } from '../../worker/pubsub/resp.js';
import { parseBrokerUrl } from '../../worker/pubsub/broker-url.js';

function parseAll(bytes: Buffer, piece: number): Reply[] {
  const out: Reply[] = [];
  const p = new ReplyParser((r) => out.push(r));
  for (let i = 0; i < bytes.length; i += piece) p.feed(bytes.subarray(i, i + piece));
  return out;
}

test('replies split at every byte, or in big pieces, come out the same', () => {
  const payload = crypto.randomBytes(70000);
  const wire = Buffer.concat([
    Buffer.from('+OK\r\n-ERR wrong\r\n:42\r\n$-1\r\n*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n'),
    ...command(['message', 'circus:room', [Buffer.from([1]), payload]]),
  ]);
  // `command` writes a client command: the same framing as a push reply (array of bulk strings).
  for (const piece of [1, 7, 4096, wire.length]) {
    const got = parseAll(wire, piece);
    assert.equal(got.length, 6, `piece ${piece}`);
    assert.equal(got[0], 'OK');
    assert.ok(got[1] instanceof ReplyError && got[1].message === 'ERR wrong');
    assert.equal(got[2], 42);
    assert.equal(got[3], null);
    assert.deepEqual((got[4] as Reply[]).map((x) => (Buffer.isBuffer(x) ? x.toString() : x)), ['subscribe', 'room', 1]);
    const [kind, channel, data] = got[5] as Buffer[];
    assert.equal(kind.toString(), 'message');
    assert.equal(channel.toString(), 'circus:room');
    assert.equal(data[0], 1);
    assert.ok(data.subarray(1).equals(payload), `payload intact with pieces of ${piece}`);
  }
});

test('command() frames arguments as RESP bulk strings, parts joined into one', () => {
  assert.equal(Buffer.concat(command(['PUBLISH', 'c', [Buffer.from('ab'), Buffer.from('c')]])).toString(), '*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$3\r\nabc\r\n');
});

test('broker URLs: redis://, rediss://, credentials, db, and the errors', () => {
  assert.deepEqual(parseBrokerUrl('redis://127.0.0.1:6390/3'), { tls: false, host: '127.0.0.1', port: 6390, user: undefined, password: undefined, label: 'redis://127.0.0.1:6390' });
  const a = parseBrokerUrl('rediss://app:p%40ss@redis.example');
  assert.deepEqual([a.tls, a.host, a.port, a.user, a.password, a.label], [true, 'redis.example', 6379, 'app', 'p@ss', 'rediss://redis.example:6379']);
  assert.equal(parseBrokerUrl('redis://:secret@[::1]:7000').host, '::1');
  assert.throws(() => parseBrokerUrl('localhost:6379'), /is not a broker this worker speaks|is not a URL/);
  assert.throws(() => parseBrokerUrl('http://x'), /http:\/\/ is not a broker/);
  assert.throws(() => parseBrokerUrl('redis://x/abc'), /must be a database number/);
});
