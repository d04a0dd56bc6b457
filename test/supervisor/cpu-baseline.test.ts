// circus-ctl stats's CPU % is measured from each caller's own previous sample (one CpuBaseline
// per control connection): another client asking in between does not shorten the interval.
// Measured on this test process itself, which spins for 300 ms of CPU and then idles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuBaseline } from '../../supervisor/run/stats.js';

function spin(cpuMs: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= cpuMs) return;
  }
}

test("a caller's CPU % covers its own interval even when another caller samples in between", async () => {
  const first = new CpuBaseline();
  const second = new CpuBaseline();
  first.procStats(process.pid);
  const t0 = Date.now();
  spin(300);
  second.procStats(process.pid);
  await sleep(300);
  const idle = second.procStats(process.pid)!;
  const whole = first.procStats(process.pid)!;
  const wall = Date.now() - t0;
  // 300 ms of CPU in `wall` ms; half of that leaves room for the 10 ms tick of /proc/PID/stat.
  assert.ok(whole.cpu >= (0.5 * 300 * 100) / wall, `first caller: ${whole.cpu}% over ${wall} ms, which held 300 ms of CPU`);
  assert.ok(whole.cpu > idle.cpu, `first caller ${whole.cpu}% (spin and idle) vs second caller ${idle.cpu}% (idle only)`);
});

test("a caller's first sample of a process covers the process's whole life", () => {
  const s = new CpuBaseline().procStats(process.pid)!;
  const used = process.cpuUsage();
  const lifeCpu = ((used.user + used.system) / 1e6 / process.uptime()) * 100;
  assert.ok(Math.abs(s.cpu - lifeCpu) < Math.max(5, lifeCpu * 0.5), `${s.cpu}% from /proc vs ${lifeCpu.toFixed(1)}% from process.cpuUsage()`);
});
