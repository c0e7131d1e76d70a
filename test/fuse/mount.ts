import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOctal } from '../../src/collectors/disk/mounts_linux';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-fusepy lives
const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'fuse', 'deadfs.py');
const CONNECTIONS = '/sys/fs/fuse/connections';

export interface DeadMount {
  readonly path: string;
  /** fusectl connection id: the minor device number of the mount. */
  readonly conn: string;
  readonly proc: ChildProcess;
}

/** Why dead-mount tests cannot run here, or undefined when they can. */
export function fuseUnavailable(): string | undefined {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing (no FUSE in this kernel or container)';
  if (spawnSync('fusermount3', ['-V']).error) return 'fusermount3 is missing (Debian package fuse3)';
  const py = spawnSync(PYTHON, ['-c', 'import fusepy']);
  if (py.error || py.status !== 0) return `${PYTHON} cannot import fusepy (Debian package python3-fusepy)`;
  return undefined;
}

function mountLine(path: string): string | undefined {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ').length > 4 && decodeOctal(l.split(' ')[4]) === path);
}

/** Mounts a filesystem whose statfs never answers at `path` (an existing empty folder). */
export async function mountDead(path: string): Promise<DeadMount> {
  const proc = spawn(PYTHON, [SCRIPT, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  for (let i = 0; i < 100; i++) {
    const line = mountLine(path);
    if (line) return { path, conn: line.split(' ')[2].split(':')[1], proc };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`FUSE mount at ${path} did not appear: ${err}`);
}

/**
 * Frees every caller stuck in the mount (aborting the connection wakes them with an error),
 * then unmounts it and ends its server. Safe to call more than once.
 */
export function releaseDead(m: DeadMount): void {
  if (!existsSync(join(CONNECTIONS, m.conn))) {
    spawnSync('mount', ['-t', 'fusectl', 'fusectl', CONNECTIONS]);
  }
  try {
    writeFileSync(join(CONNECTIONS, m.conn, 'abort'), '1');
  } catch {
    // already gone
  }
  if (mountLine(m.path)) spawnSync('fusermount3', ['-u', '-z', m.path]);
  m.proc.kill('SIGKILL');
}
