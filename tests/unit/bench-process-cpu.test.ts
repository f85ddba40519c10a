import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CpuSpent,
  cpuDuring,
  describeCpuPerOrder,
  machineTicks,
  pidsNamed,
  ticksFromStat,
} from '../../bench/lib/process-cpu.js';

const onLinux = process.platform === 'linux';

describe("npm run bench's CPU per order", () => {
  it('reads utime and stime from /proc/<pid>/stat, even when the command name holds spaces and parentheses', () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194304 97 0 0 0 1234 567 0 0 20 0 11 0';
    expect(ticksFromStat(stat)).toEqual({ user: 1234, system: 567 });
  });

  it("reads all cores' time from /proc/stat, counting iowait as idle and keeping steal apart", () => {
    const procStat = 'cpu  80453 10 25201 266902 2209 0 7265 98 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';
    expect(machineTicks(procStat)).toEqual({
      total: 80453 + 10 + 25201 + 266902 + 2209 + 0 + 7265 + 98,
      idle: 266902 + 2209,
      steal: 98,
    });
  });

  it("prints milliseconds per order by process with the kernel's part, names a process it could not read, and sums what it read", () => {
    const spent: CpuSpent = {
      seconds: { service: { total: 9, system: 2 }, MariaDB: undefined },
      benchSeconds: 1,
      machine: { busy: 0.625, steal: 0.004 },
      wallSeconds: 20,
    };
    expect(describeCpuPerOrder(spent, 1000, 2)).toBe(
      'service 9.0 ms (kernel 2.0), MariaDB not on this machine, this bench 1.0 ms: 10.0 ms of the 40.0 ms that 2 cores ' +
        'had per order; machine busy 63 %, stolen by the hypervisor 0.4 %',
    );
  });

  it.runIf(onLinux)('measures the CPU a process spends during a phase, from /proc', async () => {
    const { spent } = await cpuDuring({ self: [process.pid], none: [] }, async () => {
      // 300 ms of this process's own CPU time, however long a loaded machine takes to give it.
      const start = process.cpuUsage();
      while (process.cpuUsage(start).user < 300_000) Math.sqrt(Math.random());
    });
    // Read at the kernel's clock tick (usually 10 ms).
    expect(spent.seconds.self?.total).toBeGreaterThan(0.2);
    expect(spent.seconds.self?.system).toBeLessThan(spent.seconds.self?.total ?? 0);
    expect(spent.seconds.none).toBeUndefined();
    expect(spent.benchSeconds).toBeGreaterThan(0.2);
    expect(spent.machine?.busy).toBeGreaterThan(0);
  });

  it.runIf(onLinux)('does not report a group one of whose processes ended during the phase', async () => {
    const child = spawn('sleep', ['30']);
    const ended = new Promise((resolve) => child.once('exit', resolve));
    const { spent } = await cpuDuring(
      { partly: [process.pid, child.pid as number], self: [process.pid] },
      async () => {
        child.kill('SIGKILL');
        await ended;
      },
    );
    expect(spent.seconds.partly).toBeUndefined();
    expect(spent.seconds.self?.total).toBeGreaterThanOrEqual(0);
  });

  it.runIf(onLinux)('finds processes by command name', () => {
    const comm = readFileSync('/proc/self/comm', 'utf8').trim();
    expect(pidsNamed(comm, 'no-such-process')).toContain(process.pid);
  });
});
