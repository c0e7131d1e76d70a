import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'fuse', 'manyfs.py');

/** What a mount of manyfs.py does with statfs: answer, answer late, never, or stop answering anything on SIGUSR1. */
export type Mode = 'ok' | `slow=${number}` | 'dead' | 'freeze';

export interface ManyFs {
  readonly proc: ChildProcess;
  /** Mount points, in the order given (mount i reports 1000 + i blocks of 4096 bytes). */
  readonly paths: readonly string[];
  /** Makes the `freeze` mounts stop answering every request. */
  freeze(): void;
  /** Detaches every mount and ends the daemon (stuck callers are released). */
  stop(): Promise<void>;
}

/** Mounts `modes.length` FUSE filesystems served by one process, at `dir`/NAME(i). */
export async function mountMany(dir: string, modes: readonly Mode[], name = (i: number): string => `m${i}`): Promise<ManyFs> {
  const paths = modes.map((_, i) => join(dir, name(i)));
  for (const p of paths) mkdirSync(p, { recursive: true });
  const spec = join(dir, '.manyfs-spec');
  writeFileSync(spec, modes.map((m, i) => `${m}\t${paths[i]}\n`).join(''));
  const proc = spawn('/usr/bin/python3', [SCRIPT, spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`manyfs did not mount ${modes.length} in 60 s: ${err}`)), 60_000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/^ready \d+/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`manyfs exited before it was ready: ${err}`));
    });
  });
  return {
    proc,
    paths,
    freeze: () => void proc.kill('SIGUSR1'),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
