import type { MountEntry } from './mounts_linux';
import { Deadline, type StatfsGate } from './statfs_gate';

// Windows volumes are discovered in the background: the only complete source (WMI) needs a
// PowerShell process, which must never run on the scrape path. Each scrape then statfs'es the
// known volume roots (GetDiskFreeSpaceExW: byte-exact and live).

export type VolumeDiscovery = () => Promise<MountEntry[]>;

interface SiFsEntry {
  fs: string;
  type: string;
  mount: string;
  rw: boolean | null;
}

/** Normalises "c:", "C:\\" and "C:" to "C:". */
export function driveOf(s: string): string | undefined {
  const m = /^([a-zA-Z]):\\?$/.exec(s.trim());
  return m ? `${m[1].toUpperCase()}:` : undefined;
}

/** Volumes from systeminformation's fsSize() (Win32_LogicalDisk through PowerShell). */
export function volumesFromSysinfo(list: readonly SiFsEntry[]): MountEntry[] {
  const out: MountEntry[] = [];
  for (const e of list) {
    const drive = driveOf(e.mount) ?? driveOf(e.fs);
    if (!drive || out.some((v) => v.mountpoint === drive)) continue;
    out.push({ device: drive, mountpoint: drive, fstype: e.type || 'unknown', readonly: e.rw === false });
  }
  return out;
}

const LETTERS = 'CDEFGHIJKLMNOPQRSTUVWXYZ'; // A: and B: are floppies: probing them can prompt

/**
 * Fallback when WMI answers nothing (wine, or PowerShell locked down): the drive letters whose
 * root answers statfs. Goes through the same gate as scrapes, so a dead network drive here
 * cannot hang the pool either.
 */
export async function probeDriveLetters(gate: StatfsGate, timeoutMs = 5000): Promise<MountEntry[]> {
  const deadline = new Deadline(Date.now() + timeoutMs);
  try {
    const res = await Promise.all([...LETTERS].map((l) => gate.query(`${l}:\\`, deadline)));
    return [...LETTERS]
      .filter((_, i) => 'ok' in res[i])
      .map((l) => ({ device: `${l}:`, mountpoint: `${l}:`, fstype: 'unknown', readonly: false }));
  } finally {
    deadline.cancel();
  }
}

export function sysinfoDiscovery(gate: StatfsGate): VolumeDiscovery {
  return async () => {
    let found: MountEntry[] = [];
    try {
      // Loaded on first use: Linux hosts never pay for systeminformation's modules.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const si = require('systeminformation/lib/filesystem') as { fsSize(): Promise<SiFsEntry[]> };
      found = volumesFromSysinfo(await si.fsSize());
    } catch {
      found = [];
    }
    return found.length > 0 ? found : probeDriveLetters(gate);
  };
}
