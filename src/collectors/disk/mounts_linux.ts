import { closeSync, readSync } from 'node:fs';
import { openRegular } from '../../read_file';
import { join } from 'node:path';
import type { Pattern } from '../../flags';

export interface MountEntry {
  /** Linux: mountinfo's mount ID, new for every mount (a remount at the same path with the same device name included). */
  readonly id?: number;
  readonly device: string;
  /** For labels: the mount point as UTF-8 (bytes that are not UTF-8 become \xNN, see labelText). */
  readonly mountpoint: string;
  /** For statfs: the mount point's exact bytes, which need not be UTF-8. */
  readonly path?: Buffer;
  readonly fstype: string;
  /** Undefined where it is not known (Windows before WMI answers): the family is then left out. */
  readonly readonly: boolean | undefined;
  /** Linux: FUSE, or below a FUSE mount (see fuseReach); set from the whole table, before filtering. */
  readonly viaFuse?: boolean;
  /** Windows: fixed, remote, removable, cdrom... (volumes_windows.ts DRIVE_TYPES). */
  readonly driveType?: string;
}

/**
 * Decodes mountinfo's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134`
 * backslash). `field` holds bytes as latin1 characters; the result is the exact bytes.
 */
export function decodeOctalBytes(field: string): Buffer {
  if (!field.includes('\\')) return Buffer.from(field, 'latin1');
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    if (field[i] === '\\' && /^[0-7]{3}$/.test(field.slice(i + 1, i + 4))) {
      bytes.push(parseInt(field.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(field.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The length of the UTF-8 sequence a lead byte starts, or 0 for a byte no sequence starts with. */
const sequenceLength = (lead: number): number => (lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0);

/**
 * Label text for bytes that should be UTF-8: each byte that is not part of valid UTF-8 becomes
 * \xNN. Replacing them all with U+FFFD (node_exporter's strings.ToValidUTF8) merges two mount
 * points that differ only there into one series.
 */
export function labelText(b: Buffer): string {
  const s = b.toString('utf8');
  if (!s.includes('\ufffd')) return s;
  let out = '';
  for (let i = 0; i < b.length; ) {
    const n = sequenceLength(b[i]);
    const seq = n > 0 && i + n <= b.length ? b.subarray(i, i + n) : undefined;
    const t = seq?.toString('utf8');
    if (seq && t !== undefined && Buffer.from(t, 'utf8').equals(seq)) {
      out += t;
      i += n;
    } else {
      out += `\\x${b[i].toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** decodeOctalBytes for UTF-8 text. */
export function decodeOctal(field: string): string {
  return decodeOctalBytes(Buffer.from(field, 'utf8').toString('latin1')).toString('utf8');
}

/**
 * The mount point as seen from `--path.rootfs`: a mount at or below the rootfs folder is the
 * host's mount seen from a container, so the prefix goes (node_exporter's rootfsStripPrefix);
 * others are kept as they are. Unlike node_exporter's plain string trim, only whole path
 * components are stripped: with rootfs /host, /hostdata stays /hostdata.
 */
export function stripRootfs(path: Buffer, root: Buffer): Buffer {
  if (root.length === 0 || !path.subarray(0, root.length).equals(root)) return path;
  if (path.length === root.length) return Buffer.from('/');
  return path[root.length] === 0x2f ? path.subarray(root.length) : path;
}

/** --path.rootfs as bytes without trailing slashes ('/' becomes empty: nothing to strip). */
export function rootfsPrefix(rootfs: string): Buffer {
  return Buffer.from(rootfs.replace(/\/+$/, ''), 'utf8');
}

/**
 * Parses /proc/<pid>/mountinfo (see proc(5)): the mount point is field 5, mount options field 6,
 * then optional fields up to a lone "-", then fstype, source and superblock options. A mount
 * point listed twice keeps its last entry, which is the one visible at that path (a mount
 * stacked over another); bind mounts are distinct mount points and stay. `root` is
 * rootfsPrefix(--path.rootfs): mount points below it are reported without it.
 */
export function parseMountinfo(content: string | Buffer, root: Buffer = Buffer.alloc(0)): MountEntry[] {
  // Work on bytes (as latin1 characters): mount points need not be UTF-8.
  const text = typeof content === 'string' ? Buffer.from(content, 'utf8').toString('latin1') : content.toString('latin1');
  const utf8 = (field: string): string => labelText(decodeOctalBytes(field));
  const byMountpoint = new Map<string, MountEntry>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || f.length < sep + 3) continue; // malformed line: skip it
    const path = stripRootfs(decodeOctalBytes(f[4]), root);
    const mountpoint = labelText(path);
    const options = f[5].split(',');
    const superOptions = (f[sep + 3] ?? '').split(',');
    const entry: MountEntry = {
      id: Number(f[0]),
      device: utf8(f[sep + 2]),
      mountpoint,
      path,
      fstype: utf8(f[sep + 1]),
      // emergency_ro: the kernel turned the filesystem read-only after errors (ext4, as
      // node_exporter 1.12 reads it).
      readonly: options.includes('ro') || superOptions.includes('ro') || options.includes('emergency_ro') || superOptions.includes('emergency_ro'),
    };
    byMountpoint.delete(mountpoint); // re-insert so that order follows the visible entry
    byMountpoint.set(mountpoint, entry);
  }
  const all = [...byMountpoint.values()];
  const reach = fuseReach(all);
  return all.map((m) => (reach(m) ? { ...m, viaFuse: true } : m));
}

/** FUSE filesystems: "fuse", "fuseblk" (ntfs-3g) and "fuse.<daemon>" (sshfs, rclone, s3fs...). */
export const isFuse = (fstype: string): boolean => fstype === 'fuse' || fstype === 'fuseblk' || fstype.startsWith('fuse.');

/**
 * Whether a mount is FUSE or lies below a FUSE mount: its path walk then passes through the FUSE
 * daemon, and a daemon that stops answering holds the statfs uninterruptibly as a FUSE statfs.
 * A tmpfs inside a hung FUSE mount kept a pool thread, and so the exporter, from ever exiting.
 */
function fuseReach(mounts: readonly MountEntry[]): (m: MountEntry) => boolean {
  const bytes = (m: MountEntry): string => (m.path ? m.path.toString('latin1') : m.mountpoint);
  const fuse = new Set(mounts.filter((m) => isFuse(m.fstype)).map(bytes));
  return (m) => {
    if (isFuse(m.fstype)) return true;
    if (fuse.size === 0) return false;
    const p = bytes(m);
    for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) if (fuse.has(p.slice(0, i))) return true;
    return fuse.has('/');
  };
}


/**
 * Reads the mount table of PID 1 (the host's view when the exporter runs in a container with the
 * host's /proc), falling back to our own where /proc/1 is hidden. Synchronous on purpose: procfs
 * answers from kernel memory without blocking, and this keeps mount discovery off libuv's pool.
 *
 * The table is read twice per scrape (before and after the statfs calls, see DiskCollector), so
 * the file stays open and is read with pread from offset 0 (procfs regenerates it on every read
 * from the start) into a buffer that is reused: no open, fstat, close or allocation per read.
 * `read` returns the same Buffer object for as long as the table's bytes do not change.
 */
const MOUNTINFO_MAX = 64 * 1024 * 1024;

export class MountinfoReader {
  private fd: number | undefined;
  private scratch = Buffer.allocUnsafe(16 * 1024);
  private last: Buffer = Buffer.alloc(0);

  constructor(private readonly procfs: string) {}

  read(): Buffer {
    let n: number;
    try {
      n = this.readAll(this.open());
    } catch {
      this.close(); // the file went (procfs remounted): open it again, once
      n = this.readAll(this.open());
    }
    if (n === this.last.length && this.scratch.compare(this.last, 0, n, 0, n) === 0) return this.last;
    this.last = Buffer.from(this.scratch.subarray(0, n));
    return this.last;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      this.fd = openRegular(join(this.procfs, '1', 'mountinfo'));
    } catch {
      this.fd = openRegular(join(this.procfs, 'self', 'mountinfo'));
    }
    return this.fd;
  }

  /** The whole file into `scratch` (grown as needed); its length. */
  private readAll(fd: number): number {
    let n = 0;
    for (;;) {
      if (n === this.scratch.length) {
        // 100,000 mounts are about 15 MB: past 64 MiB it is not a mount table.
        if (n >= MOUNTINFO_MAX) throw Object.assign(new Error(`mountinfo larger than ${MOUNTINFO_MAX / 1024 / 1024} MiB`), { code: 'EFBIG' });
        const bigger = Buffer.allocUnsafe(this.scratch.length * 2);
        this.scratch.copy(bigger, 0, 0, n);
        this.scratch = bigger;
      }
      const got = readSync(fd, this.scratch, n, this.scratch.length - n, n);
      if (got === 0) return n;
      n += got;
    }
  }
}

export interface MountFilter {
  readonly mountPointsExclude: Pattern;
  readonly fsTypesExclude: Pattern;
  /** Mount points left out with everything below them ("/" style; Windows: "D:", "D:/data"). */
  readonly skipMountPoints?: readonly string[];
  /** Filesystem types left out (Windows: any case). */
  readonly skipFsTypes?: readonly string[];
  /** Windows drive types left out. */
  readonly driveTypesExclude?: Pattern;
}

/** Windows mount points ("D:", "C:\\mnt\\data") compare as "/" paths in any case. */
const comparable = (p: string): string => (/^[A-Za-z]:/.test(p) ? p.replace(/\\/g, '/').toUpperCase() : p);

/** Whether `mountpoint` is `skip` or below it. */
export function isAtOrBelow(mountpoint: string, skip: string): boolean {
  const m = comparable(mountpoint);
  const s = comparable(skip);
  return m === s || s === '/' || m.startsWith(`${s}/`);
}

export function filterMounts(mounts: readonly MountEntry[], f: MountFilter): MountEntry[] {
  const skipTypes = new Set((f.skipFsTypes ?? []).map((t) => t.toLowerCase()));
  const skipPoints = f.skipMountPoints ?? [];
  return mounts.filter(
    (m) =>
      !f.mountPointsExclude.test(m.mountpoint) &&
      !f.fsTypesExclude.test(m.fstype) &&
      !skipTypes.has(m.fstype.toLowerCase()) &&
      !(m.driveType !== undefined && f.driveTypesExclude?.test(m.driveType)) &&
      !skipPoints.some((p) => isAtOrBelow(m.mountpoint, p)),
  );
}
