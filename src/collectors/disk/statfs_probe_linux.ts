import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Probe, ProbeRun, StatfsResult } from './statfs_gate';

// statfs in a child process (see statfs_gate.ts). Two kinds of mount need it:
// - FUSE mounts, always: once a FUSE daemon has read a request, the kernel waits for its answer
//   uninterruptibly (fs/fuse/dev.c request_wait_answer: "Either request is already in
//   userspace, or it was forced. Wait it out."). A pool thread stuck there keeps the exporter
//   from ever exiting, SIGKILL included: the process stays a zombie until the daemon answers.
//   Stuck in a child instead, it leaves the exporter free to stop.
// - any mount the pool cannot take because hung calls hold it: a process blocked on a dead NFS
//   or CIFS server waits killably, so the probe can be ended and costs nothing after.
// The child is coreutils' `stat -f` (busybox's takes the same format), under coreutils'
// `timeout` where there is one: if the exporter itself is SIGKILLed (BlueKing's stop.sh does
// that), `timeout` still ends a killable probe.

/** f_bsize, blocks, bfree, bavail, files, ffree, type (hex): the fields StatfsResult holds. */
const FORMAT = '%s %b %f %a %c %d %t';

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

/** The probe, or undefined where there is no `stat` to run. */
export function statfsProbe(): Probe | undefined {
  const stat = find(['/usr/bin/stat', '/bin/stat']);
  if (!stat) return undefined;
  const timeout = find(['/usr/bin/timeout', '/bin/timeout']);
  // SIGTERM to `timeout` is passed on to stat, which has no handler: a fatal signal, and that
  // ends a killable wait. Without `timeout`, stat is the child itself.
  const stopSignal: NodeJS.Signals = timeout ? 'SIGTERM' : 'SIGKILL';
  const running = new Set<import('node:child_process').ChildProcess>();
  return {
    run(path, timeoutMs): ProbeRun {
      // `timeout` fires a second after we would: ours normally does.
      // "--": a path that starts with "-" (--path.rootfs=-x) is a path, not an option.
      const argv = [stat, '-f', '-c', FORMAT, '--', path];
      if (timeout) argv.unshift(timeout, '-s', 'KILL', `${Math.ceil(timeoutMs / 1000) + 1}`);
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C' } });
      running.add(child);
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
      const ended = new Promise<StatfsResult | Error>((resolve) => {
        child.on('error', (e) => {
          running.delete(child);
          resolve(e);
        });
        child.on('close', (code, signal) => {
          running.delete(child);
          if (code !== 0) return resolve(new Error(signal || code === 124 || code === 137 ? 'statfs killed' : err.trim().split('\n')[0] || `stat -f exited with ${code}`));
          try {
            resolve(parseStatOutput(out));
          } catch (e) {
            resolve(e as Error);
          }
        });
      });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          child.kill(stopSignal);
          resolve('timeout');
        }, timeoutMs);
      });
      // The answer comes from the process's end, or is 'timeout': a process stuck in a FUSE
      // wait may never end, and nothing waits for it.
      const answer = Promise.race([ended, late]).then((r) => {
        clearTimeout(timer);
        if (r instanceof Error) throw r;
        return r;
      });
      return { answer, ended: ended.then((r) => (r instanceof Error ? undefined : r)) };
    },
    close() {
      for (const c of running) c.kill(stopSignal);
    },
  };
}
