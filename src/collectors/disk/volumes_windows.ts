import { promises as fsp } from 'node:fs';
import type { Logger } from '../../log';
import { rowsOf, WMI_GRACE_MS, type CimFeed } from '../cim_windows';
import type { MountEntry } from './mounts_linux';
import { Deadline, type StatfsGate } from './statfs_gate';
import { whenChanged } from '../when_changed';

// Windows volumes are discovered in the background, from WMI: every volume (drive letters,
// NTFS mounted folders, volumes without either) with its drive type, filesystem and read-only
// state, and the mapped network drives. Each scrape then statfs'es the known volume roots
// (GetDiskFreeSpaceExW: live, and bounded by the gate's deadline like a Linux mount). A volume
// that stops answering stays in the list and reports sys_disk_device_error 1.
//
// Until WMI answers (a slow WMI at boot, a hung provider, PowerShell blocked or missing), the
// drive letters are probed instead, so that every scrape has figures from the first one. A
// volume's series carry only its mount point, which both sources know alike: the switch from
// one to the other changes no series. What WMI adds goes into sys_disk_info.

export type VolumeDiscovery = (signal: AbortSignal) => Promise<MountEntry[]>;

/** Win32_Volume.DriveType / Win32_LogicalDisk.DriveType, as --collector.disk.drive-types-exclude names them. */
export const DRIVE_TYPES = ['unknown', 'no_root_dir', 'removable', 'fixed', 'remote', 'cdrom', 'ramdisk'] as const;

const STORAGE = '-Namespace root/Microsoft/Windows/Storage';
/** What the disk collector asks WMI, run by the shared PowerShell (see cim_windows.ts). */
export const VOLUME_QUERIES = {
  // Name is the volume's first access path: "C:\", "C:\mnt\data\", or "\\?\Volume{guid}\" when
  // it has neither a letter nor a mounted folder.
  volumes: 'Get-CimInstance -ClassName Win32_Volume -OperationTimeoutSec 30 | Select-Object DeviceID,Name,DriveType,FileSystem,Label',
  // Mapped network drives are logical disks, not volumes.
  network_drives: "Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=4' -OperationTimeoutSec 30 | Select-Object DeviceID,ProviderName,FileSystem",
  // Read-only: Win32_Volume.Access is null on most hosts. A volume is read-only when its
  // partition or its disk is (diskpart's "attributes volume/disk set readonly", a SAN snapshot).
  partitions: `Get-CimInstance ${STORAGE} -ClassName MSFT_Partition -OperationTimeoutSec 30 | Select-Object DiskNumber,AccessPaths,IsReadOnly`,
  disks: `Get-CimInstance ${STORAGE} -ClassName MSFT_Disk -OperationTimeoutSec 30 | Select-Object Number,IsReadOnly`,
} as const;

/** Normalises "c:", "C:\\" and "C:" to "C:". */
export function driveOf(s: string): string | undefined {
  const m = /^([a-zA-Z]):\\?$/.exec(s.trim());
  return m ? `${m[1].toUpperCase()}:` : undefined;
}

/** A path as a label: "C:" for a root, no trailing backslash otherwise. */
function pathLabel(p: string): string {
  return driveOf(p) ?? (p.length > 3 ? p.replace(/\\+$/, '') : p);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const driveType = (v: unknown): string => (typeof v === 'number' && DRIVE_TYPES[v] ? DRIVE_TYPES[v] : 'unknown');
const rows = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null) : []);

/**
 * Read-only access paths (upper case) from MSFT_Partition and MSFT_Disk rows: every path of a
 * partition that is read-only or lies on a read-only disk. Undefined when either query gave
 * nothing (the Storage namespace is missing or failed): read-only is then not known.
 */
export function readOnlyPaths(partitions: unknown, disks: unknown): Set<string> | undefined {
  const p = rows(partitions);
  const d = rows(disks);
  if (p.length === 0 || d.length === 0) return undefined;
  const roDisks = new Set(d.filter((r) => r.IsReadOnly === true).map((r) => r.Number));
  const out = new Set<string>();
  for (const r of p) {
    if (r.IsReadOnly !== true && !roDisks.has(r.DiskNumber)) continue;
    for (const a of rowsOf(r.AccessPaths)) if (typeof a === 'string') out.add(pathLabel(a).toUpperCase());
  }
  return out;
}

/**
 * Volumes from the queries' rows (ConvertTo-Json objects). Rows that lack what a volume needs
 * are skipped: one odd row must not cost the others.
 */
export function volumesFromCim(volumes: unknown, networkDrives: unknown, readOnly?: Set<string>): MountEntry[] {
  const out: MountEntry[] = [];
  const seen = new Set<string>();
  const add = (m: MountEntry): void => {
    const key = m.mountpoint.toUpperCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(m);
  };
  const ro = (...paths: string[]): boolean | undefined => (readOnly ? paths.some((p) => readOnly.has(p.toUpperCase())) : undefined);
  for (const r of rows(volumes)) {
    const name = str(r.Name);
    const id = str(r.DeviceID);
    if (!name || !id) continue;
    add({ device: pathLabel(id), mountpoint: pathLabel(name), fstype: str(r.FileSystem) ?? 'unknown', readonly: ro(pathLabel(id), pathLabel(name)), driveType: driveType(r.DriveType) });
  }
  for (const r of rows(networkDrives)) {
    const drive = driveOf(str(r.DeviceID) ?? '');
    if (!drive) continue;
    add({ device: str(r.ProviderName) ?? drive, mountpoint: drive, fstype: str(r.FileSystem) ?? 'unknown', readonly: undefined, driveType: 'remote' });
  }
  return out.sort((a, b) => a.mountpoint.localeCompare(b.mountpoint));
}

/** fs.promises.stat, or a test's. */
type RootStat = (root: string) => Promise<{ readonly mode: number }>;

const LETTERS = 'CDEFGHIJKLMNOPQRSTUVWXYZ'; // A: and B: are floppies: probing them can prompt

/**
 * A DVD or a mounted ISO image as the probe can tell it without WMI: no free space at all and a
 * read-only root folder (CDFS and UDF mark everything read-only). A full fixed disk keeps a
 * writable root, so it stays in.
 */
async function looksOptical(root: string, free: number, stat: RootStat): Promise<boolean> {
  if (free !== 0) return false;
  try {
    // Bounded like the statfs before it: a root that answered statfs answers stat.
    const st = await Promise.race([stat(root), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref())]);
    return st !== undefined && (st.mode & 0o222) === 0;
  } catch {
    return false;
  }
}

/**
 * When WMI gives nothing: the drive letters whose root answers statfs, or does not answer in
 * time (a dead network drive: kept, so that it reports sys_disk_device_error 1 instead of
 * vanishing), less what looks like a DVD or an ISO image. Goes through the same gate as scrapes.
 * What the probe cannot see: mounted folders, volumes without a letter, and USB sticks, which it
 * cannot tell from fixed disks (the README says so).
 */
export async function probeDriveLetters(gate: StatfsGate, timeoutMs = 5000, stat: RootStat = fsp.stat): Promise<MountEntry[]> {
  const deadline = new Deadline(Date.now() + timeoutMs);
  try {
    const res = await Promise.all([...LETTERS].map((l) => gate.query(`${l}:\\`, deadline)));
    const keep = await Promise.all([...LETTERS].map(async (l, i) => {
      const o = res[i];
      if ('ok' in o) return !(await looksOptical(`${l}:\\`, o.ok.bfree + o.ok.bavail, stat));
      return o.hung;
    }));
    // Drive type and filesystem unknown here: left unset, so that the type filters keep them.
    return [...LETTERS].filter((_, i) => keep[i]).map((l) => ({ device: `${l}:`, mountpoint: `${l}:`, fstype: 'unknown', readonly: undefined }));
  } finally {
    deadline.cancel();
  }
}

/**
 * The volume list: WMI's latest answer when it has one, else its last one, else the drive-letter
 * probe. A WMI error keeps the last list WMI gave, so a volume never drops out because a query
 * failed. Only the first scrape waits for PowerShell, briefly, and only while it is starting.
 */
export function cimDiscovery(feed: CimFeed, gate: StatfsGate, log: Logger): VolumeDiscovery {
  // Read-only comes from the Storage classes, which an account that is not an administrator
  // (the service's LocalService) may be refused: optional.
  for (const [name, pipeline] of Object.entries(VOLUME_QUERIES)) feed.register(name, pipeline, name === 'partitions' || name === 'disks');
  const outcome = (name: string): unknown => {
    const o = feed.get(name);
    return o && 'rows' in o ? o.rows : undefined;
  };
  // The same array while WMI's answers are the same: the collector redoes its targets only then.
  const fromCim = whenChanged(
    (a: unknown[], b: unknown[]) => a.every((x, i) => x === b[i]),
    ([v, n, p, d]: unknown[]) => volumesFromCim(v, n, readOnlyPaths(p, d)),
  );
  let last: MountEntry[] | undefined;
  let probed: { at: number; list: MountEntry[] } | undefined;
  let waited = false;
  return async (signal) => {
    // Only the first call waits (a scrape reads the list twice; later scrapes probe at once).
    if (!waited) {
      waited = true;
      await feed.firstWithin('volumes', WMI_GRACE_MS, signal);
    }
    const v = outcome('volumes');
    if (v !== undefined) return (last = fromCim([v, outcome('network_drives') ?? [], outcome('partitions'), outcome('disks')]));
    if (last) return last;
    // No WMI answer yet or at all: probe the letters, at most once per feed interval, briefly
    // (a letter still hung then is kept and reports its error).
    if (!probed || Date.now() - probed.at > feed.intervalMs) {
      probed = { at: Date.now(), list: await probeDriveLetters(gate, 1000) };
      log.debug('volumes from the drive-letter probe (WMI gave none)', { volumes: probed.list.map((m) => m.mountpoint).join(',') });
    }
    return probed.list;
  };
}
