import type { Logger } from '../../log';
import type { CimFeed } from '../cim_windows';
import type { MountEntry } from './mounts_linux';
import { Deadline, type StatfsGate } from './statfs_gate';
import { identical, whenChanged } from '../when_changed';

// Windows volumes are discovered in the background, from WMI: every volume (drive letters,
// NTFS mounted folders, volumes without either) with its drive type, filesystem and access, and
// the mapped network drives. Each scrape then statfs'es the known volume roots
// (GetDiskFreeSpaceW: live, and bounded by the gate's deadline like a Linux mount). A volume
// that stops answering stays in the list and reports sys_disk_device_error 1.

export type VolumeDiscovery = (signal: AbortSignal) => Promise<MountEntry[]>;

/** Win32_Volume.DriveType / Win32_LogicalDisk.DriveType, as --collector.disk.drive-types-exclude names them. */
export const DRIVE_TYPES = ['unknown', 'no_root_dir', 'removable', 'fixed', 'remote', 'cdrom', 'ramdisk'] as const;

/** What the disk collector asks WMI, run by the shared PowerShell (see cim_windows.ts). */
export const VOLUME_QUERIES = {
  // Name is the volume's first access path: "C:\", "C:\mnt\data\", or "\\?\Volume{guid}\" when
  // it has neither a letter nor a mounted folder.
  volumes: 'Get-CimInstance -ClassName Win32_Volume -OperationTimeoutSec 30 | Select-Object DeviceID,Name,DriveType,FileSystem,Label,Access',
  // Mapped network drives are logical disks, not volumes.
  network_drives: "Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=4' -OperationTimeoutSec 30 | Select-Object DeviceID,ProviderName,FileSystem,Access",
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
/** CIM_StorageVolume.Access: 1 is "readable" only. */
const readOnly = (v: unknown): boolean => v === 1;

/**
 * Volumes from the two queries' rows (ConvertTo-Json objects). Rows that lack what a volume
 * needs are skipped: one odd row must not cost the others.
 */
export function volumesFromCim(volumes: unknown, networkDrives: unknown): MountEntry[] {
  const out: MountEntry[] = [];
  const seen = new Set<string>();
  const add = (m: MountEntry): void => {
    const key = m.mountpoint.toUpperCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(m);
  };
  for (const row of Array.isArray(volumes) ? volumes : []) {
    const r = row as Record<string, unknown>;
    const name = str(r?.Name);
    const id = str(r?.DeviceID);
    if (!name || !id) continue;
    add({ device: pathLabel(id), mountpoint: pathLabel(name), fstype: str(r.FileSystem) ?? 'unknown', readonly: readOnly(r.Access), driveType: driveType(r.DriveType) });
  }
  for (const row of Array.isArray(networkDrives) ? networkDrives : []) {
    const r = row as Record<string, unknown>;
    const drive = driveOf(str(r?.DeviceID) ?? '');
    if (!drive) continue;
    add({ device: str(r.ProviderName) ?? drive, mountpoint: drive, fstype: str(r.FileSystem) ?? 'unknown', readonly: readOnly(r.Access), driveType: 'remote' });
  }
  return out.sort((a, b) => a.mountpoint.localeCompare(b.mountpoint));
}

const LETTERS = 'CDEFGHIJKLMNOPQRSTUVWXYZ'; // A: and B: are floppies: probing them can prompt

/**
 * Fallback when WMI gives nothing (PowerShell blocked or missing): the drive letters whose root
 * answers statfs, or does not answer in time (a dead network drive: kept, so that it reports
 * sys_disk_device_error 1 instead of vanishing). Goes through the same gate as scrapes.
 */
export async function probeDriveLetters(gate: StatfsGate, timeoutMs = 5000): Promise<MountEntry[]> {
  const deadline = new Deadline(Date.now() + timeoutMs);
  try {
    const res = await Promise.all([...LETTERS].map((l) => gate.query(`${l}:\\`, deadline)));
    return [...LETTERS]
      .filter((_, i) => { const o = res[i]; return 'ok' in o || o.hung; })
      // Drive type unknown here: left unset, so that the drive-type filter keeps them.
      .map((l) => ({ device: `${l}:`, mountpoint: `${l}:`, fstype: 'unknown', readonly: false }));
  } finally {
    deadline.cancel();
  }
}

/**
 * The volume list: WMI's latest answer when it has one, else the drive-letter probe. A WMI
 * error keeps the last list WMI gave, so a volume never drops out because a query failed.
 */
export function cimDiscovery(feed: CimFeed, gate: StatfsGate, log: Logger): VolumeDiscovery {
  for (const [name, pipeline] of Object.entries(VOLUME_QUERIES)) feed.register(name, pipeline);
  // The same array while WMI's answer is the same: the collector redoes its targets only then.
  const fromCim = whenChanged(identical, (v: { rows: unknown }) => {
    const n = feed.get('network_drives');
    return volumesFromCim(v.rows, n && 'rows' in n ? n.rows : []);
  });
  let last: MountEntry[] | undefined;
  let probed: { at: number; list: MountEntry[] } | undefined;
  return async (signal) => {
    const v = await feed.first('volumes', signal);
    if (v && 'rows' in v) return (last = fromCim(v));
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
