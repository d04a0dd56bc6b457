// circus-ctl top against a real supervisor and workers under load: --json streams samples with
// rates, and in a real pty (python3's pty module) it draws a table fitted to the terminal's
// width, quits on q and restores the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../helpers/process.js';
import { CTL, cleanup, startSupervisor, tempDir, waitForRunning, workerWatcher, type Running } from '../helpers/supervisor.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

async function supervisorWithLoad(): Promise<{ r: Running; stop: () => Promise<void> }> {
  const dir = tempDir();
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n\n` + workerWatcher('web', 'numprocesses = 2'), { dir });
  await waitForRunning(r, 'web', 2, 30000, false);
  let going = true;
  const address = r.sockets.get('web')!;
  const load = (async () => {
    while (going) await request(address);
  })();
  return { r, stop: async () => void ((going = false), await load) };
}

test('circus-ctl top --json streams one sample per line with per-process rates', async () => {
  const { r, stop } = await supervisorWithLoad();
  try {
    const top = start(process.execPath, [CTL, '--endpoint', r.endpoint, 'top', '--json', '-n', '4']);
    assert.equal((await top.exited).code, 0, top.stderr());
    const samples = top.stdout().trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(samples.length, 4);
    for (const s of samples) {
      assert.equal(s.workers.length, 2);
      assert.ok(s.time > 1e9);
    }
    // Rates need two reports; by the last sample each worker has had several.
    const last = samples.at(-1).workers;
    assert.ok(last.some((w: { rps: number }) => w.rps > 0), JSON.stringify(last));
    for (const w of last) {
      assert.equal(w.watcher, 'web');
      assert.ok(w.rss > 10e6 && w.cpu !== null && w.inflight !== null && w.age < 3, JSON.stringify(w));
      assert.ok(w.rps === 0 || w.p99 > 0, `p99 of ${JSON.stringify(w)}`);
    }
  } finally {
    await stop();
  }
});

const PTY = `
import fcntl, json, os, pty, struct, sys, termios, time
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, cols, 0, 0))
    os.execv(sys.argv[2], sys.argv[2:])
out = b''
deadline = time.time() + 30
def read():
    global out
    try:
        out += os.read(fd, 65536)
        return True
    except OSError:
        return False
while out.count(b'req/s') < 2 and time.time() < deadline and read():
    pass
os.write(fd, b'q')
while read():
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({'status': os.waitstatus_to_exitcode(status), 'out': out.decode('utf8', 'replace')}))
`;

test('circus-ctl top in a terminal draws a table in its width and quits on q, restoring the terminal', async () => {
  const { r, stop } = await supervisorWithLoad();
  try {
    const py = start('python3', ['-c', PTY, '60', process.execPath, CTL, '--endpoint', r.endpoint, 'top']);
    assert.equal((await py.exited).code, 0, py.stderr());
    const { status, out } = JSON.parse(py.stdout());
    assert.equal(status, 0, out);
    assert.ok(out.startsWith('\x1b[?1049h'), 'switches to the alternate screen');
    assert.ok(out.trimEnd().endsWith('\x1b[?25h\x1b[?1049l'), 'gives the screen and cursor back on exit');
    const frames = out.split('\x1b[H\x1b[2J').slice(1);
    assert.ok(frames.length >= 2, `${frames.length} frames`);
    const lines: string[] = frames.at(-1).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).filter(Boolean);
    assert.match(lines[0], /circus-ctl top: 2 process\(es\)/);
    assert.match(lines[1], /^watcher\s+pid\s+req\/s\s+p99/);
    assert.equal(lines.filter((l) => /^web\s+\d+/.test(l)).length, 2, lines.join('\n'));
    for (const l of lines) assert.ok(l.length <= 60, `line over 60 columns: "${l}"`);
  } finally {
    await stop();
  }
});
