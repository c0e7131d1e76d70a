import type { ChildProcess } from 'node:child_process';
import { spawn } from '../../spawn';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readArgv, readStat } from '../../procfs_linux';
import type { Probe, ProbeRun, StatfsResult } from './statfs_gate';

// statfs in a child process (see statfs_gate.ts). Two kinds of mount need it:
// - FUSE mounts and every mount below one, always: once a FUSE daemon has read a request, the
//   kernel waits for its answer uninterruptibly (fs/fuse/dev.c request_wait_answer: "Either
//   request is already in userspace, or it was forced. Wait it out."). A pool thread stuck there
//   keeps the exporter from ever exiting, SIGKILL included. Stuck in a child, it leaves the
//   exporter free to stop. A mount below a FUSE mount is reached through it: its path walk waits
//   on the same daemon.
// - any mount the pool cannot take because hung calls hold it: a process blocked on a dead NFS
//   or CIFS server waits killably, so the probe can be ended and costs nothing after.
//
// One process per mount cost about 10 ms of CPU per mount per scrape (spawn, `timeout`, `stat`):
// 2 s a scrape at 200 FUSE mounts. So mounts are asked in batches: one `stat -f` per up to
// BATCH_PATHS mounts, its output line-buffered (coreutils' stdbuf) with errors in the same
// stream, so that the n-th line answers the n-th path as it comes. A mount that has not answered
// within STALL_MS keeps that process to itself: the mounts after it move to a new process, so a
// slow or dead mount delays no other. Where stdbuf is missing (busybox), each mount gets its own
// process, as before.
//
// What ends a probe: the exporter sends SIGTERM to `timeout --foreground`, which passes it on to
// stat and then waits for it. `--foreground` matters: without it `timeout -s KILL` kills its own
// process group, itself included, and a stat stuck in a FUSE wait is orphaned to PID 1 (a zombie
// for good where the exporter is PID 1). With it, every probe stays a child of a process that
// reaps it, and if the exporter itself is SIGKILLed (BlueKing's stop.sh does that), `timeout`
// still ends a killable probe on its own clock.

/** f_bsize, blocks, bfree, bavail, files, ffree, type (hex): the fields StatfsResult holds. */
const FORMAT = '%s %b %f %a %c %d %t';
/**
 * Mounts per process: bounds a batch's argv (ARG_MAX is 2 MiB and up) and how long its
 * sequential asking takes (a healthy FUSE statfs is 0.1 ms or less). Each spawn holds the
 * exporter's main thread while it forks: about 18 ms from source (Node forks its whole heap),
 * so with 128 a scrape of 1,000 FUSE mounts held it 150 ms.
 */
const BATCH_PATHS = 512;
const BATCH_ARG_BYTES = 128 * 1024;
/** A mount in progress this long gets its process to itself (healthy FUSE answers in microseconds). */
export const STALL_MS = 100;

const find = (names: readonly string[]): string | undefined => names.find((n) => existsSync(n));

/** An unsigned 64-bit count that arrived as a signed one (Bun's statfs, a signed stat): 2^64 added back. */
export const u64 = (v: number): number => (v < 0 ? v + 2 ** 64 : v);

export function parseStatOutput(out: string): StatfsResult {
  const f = out.trim().split(' ');
  // Counts are unsigned 64-bit; a stat that prints them signed gives 2^63 and up as negative.
  const n = f.slice(0, 6).map(Number).map(u64);
  if (f.length !== 7 || n.some((v) => !Number.isFinite(v))) throw new Error(`unexpected stat -f output: ${JSON.stringify(out.slice(0, 200))}`);
  return { bsize: n[0], blocks: n[1], bfree: n[2], bavail: n[3], files: n[4], ffree: n[5], type: parseInt(f[6], 16) };
}

/** One line of a batch: figures, or stat's error ("stat: cannot read ... for 'X': Permission denied"). */
function parseLine(line: string): StatfsResult | Error {
  if (/^[\d-]/.test(line)) {
    try {
      return parseStatOutput(line);
    } catch (e) {
      return e as Error;
    }
  }
  return new Error(line.replace(/^\S*stat: /, ''));
}

/** The paths a probe process asks, from its argv (/proc/PID/cmdline), or undefined if it is no probe. */
export function probePaths(argv: readonly string[]): string[] | undefined {
  // Its own argv, not that of the `timeout` or `stdbuf` that started it: stat is what waits.
  if (!/(^|\/)stat$/.test(argv[0] ?? '') || argv[1] !== '-f' || argv[2] !== '-c' || argv[3] !== FORMAT || argv[4] !== '--') return undefined;
  return argv.slice(5);
}

/** USER_HZ, the unit of /proc/PID/stat's times: 100 on every Linux architecture. */
const TICKS = 100;

/** Probes an earlier exporter left stuck (see leftoverProbes). */
export interface Leftovers {
  /** Mount -> pid of a probe still waiting on it: the mount is known to hang. */
  readonly stuck: Map<string, number>;
  /** Mounts a stuck batch named where the one it waits on could not be read: one of them hangs. */
  readonly suspects: Set<string>;
}

/**
 * Which of its paths a stuck batch waits on: the path argument of the statfs it is blocked in
 * (/proc/PID/syscall) points into its argv, which starts at arg_start (/proc/PID/stat field 48).
 * Both need ptrace-read rights over the process (root has them); undefined without.
 */
function waitingOn(dir: string, stat: readonly string[], argv: readonly string[]): string | undefined {
  try {
    const ptr = BigInt(readFileSync(`${dir}/syscall`, 'latin1').split(' ')[1]);
    const argStart = BigInt(stat[48]);
    if (argStart === 0n) return undefined;
    let at = 0n;
    for (const a of argv) {
      if (at === ptr - argStart) return a;
      at += BigInt(Buffer.byteLength(a, 'utf8') + 1);
    }
  } catch {
    // not ours to read, or not in a syscall
  }
  return undefined;
}

/** Whether a probe's parent is PID 1 or a process whose parent is (the exporter that started it has gone). */
function orphaned(procfs: string, ppid: number): boolean {
  if (ppid === 1) return true;
  try {
    return readStat(procfs, ppid)[4] === '1';
  } catch {
    return false;
  }
}

/**
 * Probes that an earlier exporter left stuck in a FUSE wait (a restart does not end them, and
 * once signalled nothing can). A mount one of them still waits on is not asked again until it ends, so
 * that restarts do not pile up stuck processes. Where the mount a batch waits on cannot be read,
 * its mounts are asked one per process until they answer: the next restart then knows. Read
 * once, when the first mount is probed, before this exporter has probes of its own.
 */
export function leftoverProbes(procfs = '/proc'): Leftovers {
  const found: Leftovers = { stuck: new Map(), suspects: new Set() };
  let pids: string[];
  let uptime: number;
  try {
    uptime = Number(readFileSync(`${procfs}/uptime`, 'latin1').split(' ')[0]);
    pids = readdirSync(procfs).filter((p) => /^\d+$/.test(p));
  } catch {
    return found;
  }
  for (const pid of pids) {
    const dir = `${procfs}/${pid}`;
    try {
      const stat = readStat(procfs, pid);
      if (stat[2] !== 'stat') continue;
      // Waiting (S: a FUSE request not yet interrupted, D: after a signal), orphaned (its
      // exporter gone: its parent, or the `timeout` it runs under, now belongs to PID 1) or for
      // 2 s or more: another exporter's healthy probes answer in milliseconds. Field 22: start.
      if (stat[3] !== 'S' && stat[3] !== 'D') continue;
      if (uptime - Number(stat[22]) / TICKS < 2 && !orphaned(procfs, Number(stat[4]))) continue;
      const argv = readArgv(procfs, pid);
      const paths = probePaths(argv) ?? [];
      const on = paths.length === 1 ? paths[0] : waitingOn(dir, stat, argv);
      if (on !== undefined) found.stuck.set(on, Number(pid));
      else for (const p of paths) found.suspects.add(p);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Whether process `pid` is still a probe naming `path` (and not a reused pid). */
function isProbeOf(procfs: string, pid: number, path: string): boolean {
  try {
    return probePaths(readArgv(procfs, pid))?.includes(path) === true;
  } catch {
    return false;
  }
}

interface Item {
  readonly path: string;
  readonly timeoutMs: number;
  settle(r: StatfsResult | Error | 'timeout'): void;
  end(r: StatfsResult | undefined): void;
  settled: boolean;
}

interface Tools {
  readonly stat: string;
  readonly timeout?: string;
  /** `sh` and `stdbuf`: batches; without them one process per mount. Dropped if stdbuf fails. */
  batch?: { readonly sh: string; readonly stdbuf: string };
}

/** One `stat -f` process answering `items` in order. */
class Batch {
  private readonly child: ChildProcess;
  private next = 0;
  private since = Date.now();
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  /** Items moved to another process: past them, this one's lines are not wanted. */
  private split = false;
  private signalled = false;

  constructor(
    private items: Item[],
    private readonly tools: Tools,
    private readonly spawnBatch: (items: Item[]) => void,
    private readonly done: (b: Batch) => void,
  ) {
    const { stat, timeout, batch } = tools;
    // `timeout` fires a second after the longest we would wait: ours normally does.
    // "--": a path that starts with "-" (--path.rootfs=-x) is a path, not an option.
    let argv = [stat, '-f', '-c', FORMAT, '--', ...items.map((i) => i.path)];
    if (batch) argv = [batch.stdbuf, '-oL', ...argv];
    if (timeout) argv = [timeout, '--foreground', '-s', 'KILL', `${Math.ceil((2 * Math.max(...items.map((i) => i.timeoutMs))) / 1000) + 1}`, ...argv];
    if (batch) argv = [batch.sh, '-c', 'exec "$@" 2>&1', 'sh', ...argv];
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', batch ? 'ignore' : 'pipe'], env: { LC_ALL: 'C' } });
    let err = '';
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => this.onData(c));
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    this.child.on('error', (e) => this.finish(e));
    this.child.on('close', (code, signal) => {
      if (this.partial) this.onData('\n');
      const killed = signal !== null || code === 124 || code === 137;
      this.finish(new Error(killed ? 'statfs killed' : err.trim().split('\n')[0] || `stat -f exited with ${code}`));
    });
    this.arm();
  }

  /** Ends the process (at shutdown). */
  stop(): void {
    this.signal();
  }

  private onData(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const item = this.items[this.next];
      if (!item) break;
      if (this.tools.batch && /^\S*stdbuf: /.test(line)) {
        // stdbuf preloads a library a host may lack: ask these mounts one per process.
        this.tools.batch = undefined;
        const rest = this.items.slice(this.next);
        this.items = this.items.slice(0, this.next);
        for (const i of rest) this.spawnBatch([i]);
        break;
      }
      const r = parseLine(line);
      item.settle(r);
      item.end(r instanceof Error ? undefined : r);
      this.next++;
      this.since = Date.now();
    }
    if (this.next >= this.items.length && this.split) this.signal();
    this.arm();
  }

  /** The next check: a stall at STALL_MS, the item's own timeout after that. */
  private arm(): void {
    clearTimeout(this.timer);
    const item = this.items[this.next];
    if (!item) return;
    const elapsed = Date.now() - this.since;
    const at = !this.split && this.next + 1 < this.items.length ? STALL_MS : item.timeoutMs;
    this.timer = setTimeout(() => this.check(), Math.max(0, at - elapsed));
  }

  private check(): void {
    const item = this.items[this.next];
    if (!item) return;
    const rest = this.items.slice(this.next + 1);
    if (rest.length > 0) {
      // The mounts after a slow one go on in a process of their own.
      this.items = this.items.slice(0, this.next + 1);
      this.split = true;
      this.spawnBatch(rest);
    }
    if (Date.now() - this.since >= item.timeoutMs) {
      item.settle('timeout');
      this.signal();
      return;
    }
    this.arm();
  }

  private signal(): void {
    if (this.signalled) return;
    this.signalled = true;
    // SIGTERM to `timeout` reaches stat as a fatal signal, which ends a killable wait; without
    // `timeout`, stat is the child itself.
    this.child.kill(this.tools.timeout ? 'SIGTERM' : 'SIGKILL');
  }

  /** The process has ended (or never started): whatever it did not answer fails with `err`. */
  private finish(err: Error): void {
    clearTimeout(this.timer);
    for (let i = this.next; i < this.items.length; i++) {
      this.items[i].settle(err);
      this.items[i].end(undefined);
    }
    this.next = this.items.length;
    this.done(this);
  }
}

/** The probe, or undefined where there is no `stat` to run. */
export function statfsProbe(procfs = '/proc'): Probe | undefined {
  const stat = find(['/usr/bin/stat', '/bin/stat']);
  if (!stat) return undefined;
  let tools: Tools | undefined;
  let left: Leftovers = { stuck: new Map(), suspects: new Set() };
  const running = new Set<Batch>();
  let queued: Item[] = [];

  const setup = (): Tools => {
    const timeout = find(['/usr/bin/timeout', '/bin/timeout']);
    const sh = find(['/bin/sh', '/usr/bin/sh']);
    const stdbuf = find(['/usr/bin/stdbuf', '/bin/stdbuf']);
    left = leftoverProbes(procfs);
    return { stat, timeout, batch: sh && stdbuf ? { sh, stdbuf } : undefined };
  };

  const start = (items: Item[]): void => {
    const b: Batch = new Batch(items, tools!, start, () => running.delete(b));
    running.add(b);
  };

  const flush = (): void => {
    const items = queued;
    queued = [];
    const batches: Item[][] = [];
    let batch: Item[] = [];
    let bytes = 0;
    for (const item of items) {
      if (!tools!.batch || left.suspects.has(item.path)) {
        batches.push([item]);
        continue;
      }
      if (batch.length === BATCH_PATHS || bytes + item.path.length > BATCH_ARG_BYTES) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(item);
      bytes += item.path.length + 1;
    }
    if (batch.length > 0) batches.push(batch);
    // One spawn per turn of the event loop: requests are served between two forks.
    const next = (): void => {
      const b = batches.shift();
      if (!b) return;
      start(b);
      if (batches.length > 0) setImmediate(next);
    };
    next();
  };

  /** A mount an earlier exporter's probe still waits on: failed now, free again when that probe ends. */
  const heldBy = (path: string, pid: number, timeoutMs: number): ProbeRun => {
    const ended = new Promise<undefined>((resolve) => {
      const poll = setInterval(() => {
        if (isProbeOf(procfs, pid, path)) return;
        clearInterval(poll);
        left.stuck.delete(path);
        resolve(undefined);
      }, Math.max(1000, timeoutMs));
      poll.unref();
    });
    return { answer: Promise.resolve('timeout'), ended };
  };

  return {
    run(path, timeoutMs): ProbeRun {
      tools ??= setup();
      const pid = left.stuck.get(path);
      if (pid !== undefined) return heldBy(path, pid, timeoutMs);
      let settle!: (r: StatfsResult | Error | 'timeout') => void;
      let end!: (r: StatfsResult | undefined) => void;
      const answer = new Promise<StatfsResult | 'timeout'>((resolve, reject) => {
        settle = (r) => {
          if (item.settled) return;
          item.settled = true;
          if (r instanceof Error) reject(r);
          else resolve(r);
        };
      });
      const ended = new Promise<StatfsResult | undefined>((resolve) => (end = resolve)).then((r) => {
        if (r) left.suspects.delete(path);
        return r;
      });
      const item: Item = { path, timeoutMs, settle: (r) => settle(r), end: (r) => end(r), settled: false };
      // Every mount of one collection is asked in the same turn of the event loop: one flush.
      if (queued.length === 0) setImmediate(flush);
      queued.push(item);
      return { answer, ended };
    },
    close() {
      for (const b of running) b.stop();
    },
  };
}
