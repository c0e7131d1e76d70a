import { readFileSync } from 'node:fs';

/**
 * /proc/PID/stat's fields, numbered as proc(5) numbers them (1 pid, 2 comm, 3 state, 4 ppid,
 * 22 starttime, 48 arg_start). The command may hold spaces and parentheses: the fields after it
 * start after its last ')'.
 */
export function readStat(procfs: string, pid: number | string): string[] {
  const text = readFileSync(`${procfs}/${pid}/stat`, 'latin1');
  const close = text.lastIndexOf(')');
  return ['', String(pid), text.slice(text.indexOf('(') + 1, close), ...text.slice(close + 2).split(' ')];
}

/** A process's argv as it was given (/proc/PID/cmdline: each argument ends in a NUL). */
export function readArgv(procfs: string, pid: number | string): string[] {
  return readFileSync(`${procfs}/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

/** The number on a /proc/PID/status line (`VmRSS`, `RssAnon`: in KiB; `Threads`: a count). */
export function readStatus(procfs: string, pid: number | string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`${procfs}/${pid}/status`, 'latin1'));
  if (!m) throw new Error(`${procfs}/${pid}/status has no ${field}`);
  return Number(m[1]);
}
