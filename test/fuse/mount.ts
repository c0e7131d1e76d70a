import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOctalBytes, labelText } from '../../src/collectors/disk/mounts_linux';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-fusepy lives
const SCRIPT = join(__dirname, '..', '..', '..', 'test', 'fuse', 'deadfs.py');
const CONNECTIONS = '/sys/fs/fuse/connections';

export interface DeadMount {
  /** The mount point as the exporter labels it (bytes that are not UTF-8 as \xNN). */
  readonly path: string;
  readonly bytes: Buffer;
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

function mountLine(path: Buffer): string | undefined {
  return readFileSync('/proc/self/mountinfo', 'latin1')
    .split('\n')
    .find((l) => l.split(' ').length > 4 && decodeOctalBytes(l.split(' ')[4]).equals(path));
}

/**
 * Mounts a filesystem whose statfs does not answer at `path` (an existing empty folder): never,
 * or until the file `revive` exists (its server comes back).
 */
export async function mountDead(at: string | Buffer, revive?: string, o: { single?: boolean } = {}): Promise<DeadMount> {
  const bytes = Buffer.from(at);
  const path = labelText(bytes);
  const args = [SCRIPT, ...(o.single ? ['--single'] : []), `hex:${bytes.toString('hex')}`, ...(revive ? [revive] : [])];
  const proc = spawn(PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  for (let i = 0; i < 100; i++) {
    const line = mountLine(bytes);
    if (line) return { path, bytes, conn: line.split(' ')[2].split(':')[1], proc };
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
  // umount2(MNT_DETACH) on the exact bytes: a command line cannot carry a path that is not UTF-8.
  if (mountLine(m.bytes)) spawnSync(PYTHON, ['-c', 'import ctypes,sys; ctypes.CDLL(None).umount2(bytes.fromhex(sys.argv[1]), 2)', m.bytes.toString('hex')]);
  m.proc.kill('SIGKILL');
}

/** A process that stays in the mount's statfs (read by its daemon: an uninterruptible wait). */
export function hangIn(m: DeadMount): ChildProcess {
  return spawn(PYTHON, ['-c', 'import os,sys; os.statvfs(bytes.fromhex(sys.argv[1]))', m.bytes.toString('hex')], { stdio: 'ignore' });
}
