// A supervisor killed with SIGKILL takes its log pipe with it: its workers must still drain and
// exit (PR_SET_PDEATHSIG), not spin on EPIPE. Found by npm run chaos: an orphaned worker logged
// the EPIPE of its own log line as an uncaught exception, which failed again, for ever, at 30% CPU.
import { after, test } from 'node:test';
import { killAll, waitFor } from '../helpers/process.js';
import { alive } from '../helpers/proc-stats.js';
import { runningPids } from '../helpers/supervisor.js';
import { superviseWeb } from '../chaos/scenarios/supervisor-setup.js';
import { workerMatrix } from '../chaos/worker-matrix.js';

after(async () => {
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await killAll();
});

const orphans: number[] = [];

for (const combo of (await workerMatrix()).filter((c) => c.handler === 'fetch')) {
  test(`${combo.backend} backend: workers of a SIGKILLed supervisor whose log pipe is gone exit within 10 s`, { skip: combo.skip }, async () => {
    const r = await superviseWeb({ backend: combo.backend, processes: 2, workerArgs: '--log-level info' });
    const pids = await waitFor(async () => {
      const p = await runningPids(r, 'web');
      return p.length === 2 ? p : undefined;
    }, 'workers up', 30000);
    orphans.push(...pids!);
    r.proc.child.kill('SIGKILL');
    // Nobody reads the workers' stderr any more: their next log line meets EPIPE.
    r.proc.child.stderr?.destroy();
    r.proc.child.stdout?.destroy();
    await waitFor(() => pids!.every((p) => !alive(p)), 'the orphaned workers to exit', 10000, 100);
  });
}
