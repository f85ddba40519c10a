import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where an order's CPU goes: the CPU time each process of one run used across a phase, and how
 * busy the whole machine was. Rows 1 and 5 follow the CPU an order costs on the shared cores
 * (docs/benchmarks.md), which earlier sessions read with throwaway probes; the bench prints it
 * beside the table so every run says it. Linux only (/proc); elsewhere every figure is absent.
 */

/** Processes measured together under one name: the service, MariaDB, RabbitMQ's Erlang VM… */
export type ProcessGroups = Record<string, readonly number[]>;

export interface CpuSpent {
  /**
   * CPU seconds each group used, user + system, and the system part alone (the kernel's work for
   * it: system calls, the network stack, fsync); absent where its processes could not be read.
   */
  seconds: Record<string, { total: number; system: number } | undefined>;
  /** CPU seconds this (the load-generating) process used. */
  benchSeconds: number;
  /** Share of all cores' time that was busy, and the share the hypervisor took (steal), 0–1. */
  machine: { busy: number; steal: number } | undefined;
  wallSeconds: number;
}

/** User and system ticks of one process (all its threads), from the text of /proc/<pid>/stat. */
export function ticksFromStat(stat: string): { user: number; system: number } {
  // The command name may hold spaces and parentheses; the fields after its last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), utime and stime: the 12th and 13th after the name.
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** All cores' time from the first line of /proc/stat, in ticks: in all, idle (with iowait), stolen. */
export function machineTicks(procStat: string): { total: number; idle: number; steal: number } {
  const [, ...values] = (procStat.split('\n')[0] ?? '').trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.slice(0, 8).map(Number);
  const total = [user, nice, system, idle, iowait, irq, softirq, steal].reduce<number>(
    (sum, value) => sum + (value ?? 0),
    0,
  );
  return { total, idle: (idle ?? 0) + (iowait ?? 0), steal: steal ?? 0 };
}

/** Loopback: a service there runs on this machine, so its processes can be read. */
export const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host);

/** The pids whose command name (/proc/<pid>/comm) is one of `names`, e.g. `mariadbd`, `beam.smp`. */
export function pidsNamed(...names: string[]): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        return names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim()) ? [Number(entry)] : [];
      } catch {
        return []; // ended while we looked
      }
    });
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function processTicks(pid: number): { user: number; system: number } | undefined {
  try {
    return ticksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readMachine() {
  try {
    return machineTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

const allRead = <T>(ticks: (T | undefined)[]): ticks is T[] =>
  ticks.length > 0 && ticks.every((tick) => tick !== undefined);

/** Runs `phase` and reports the CPU each group, this process and the machine spent meanwhile. */
export async function cpuDuring<T>(
  groups: ProcessGroups,
  phase: () => Promise<T>,
): Promise<{ value: T; spent: CpuSpent }> {
  // Per pid: a group counts only when every one of its processes was read before and after.
  const groupTicks = () =>
    Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.map(processTicks)]));
  const before = {
    groups: groupTicks(),
    machine: readMachine(),
    bench: process.cpuUsage(),
    at: performance.now(),
  };
  const value = await phase();
  const after = { groups: groupTicks(), machine: readMachine(), bench: process.cpuUsage(before.bench) };
  const seconds = Object.fromEntries(
    Object.keys(groups).map((name) => {
      const [start, end] = [before.groups[name] ?? [], after.groups[name] ?? []];
      if (!allRead(start) || !allRead(end)) return [name, undefined];
      const spent = (part: 'user' | 'system') =>
        end.reduce((sum, tick, index) => sum + tick[part] - (start[index]?.[part] ?? tick[part]), 0) /
        ticksPerSecond;
      return [name, { total: spent('user') + spent('system'), system: spent('system') }];
    }),
  );
  const machine =
    before.machine && after.machine && after.machine.total > before.machine.total
      ? {
          busy: 1 - (after.machine.idle - before.machine.idle) / (after.machine.total - before.machine.total),
          steal: (after.machine.steal - before.machine.steal) / (after.machine.total - before.machine.total),
        }
      : undefined;
  return {
    value,
    spent: {
      seconds,
      benchSeconds: (after.bench.user + after.bench.system) / 1e6,
      machine,
      wallSeconds: (performance.now() - before.at) / 1000,
    },
  };
}

/**
 * One line: CPU milliseconds per order by group, their sum beside what the cores had per order
 * over the phase, and the machine's busy and stolen shares. A group that could not be read (a
 * database on another host) is named as such, not counted as zero.
 */
export function describeCpuPerOrder(spent: CpuSpent, orders: number, cores: number): string {
  const perOrder = (seconds: number) => ((seconds * 1000) / Math.max(1, orders)).toFixed(1);
  const parts = Object.entries(spent.seconds).map(([name, seconds]) =>
    seconds === undefined
      ? `${name} not on this machine`
      : `${name} ${perOrder(seconds.total)} ms (kernel ${perOrder(seconds.system)})`,
  );
  const counted = Object.values(spent.seconds).reduce<number>(
    (sum, seconds) => sum + (seconds?.total ?? 0),
    0,
  );
  const machine = spent.machine
    ? `; machine busy ${(spent.machine.busy * 100).toFixed(0)} %, stolen by the hypervisor ${(spent.machine.steal * 100).toFixed(1)} %`
    : '';
  return (
    `${[...parts, `this bench ${perOrder(spent.benchSeconds)} ms`].join(', ')}: ` +
    `${perOrder(counted + spent.benchSeconds)} ms of the ${perOrder(spent.wallSeconds * cores)} ms ` +
    `that ${cores} cores had per order${machine}`
  );
}
