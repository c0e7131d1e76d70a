import type { Collector, CollectContext } from '../collector';
import type { Logger } from '../../log';
import {
  DISK_AVAILABLE, DISK_DEVICE_ERROR, DISK_FILES, DISK_FILES_FREE, DISK_FREE, DISK_HUNG_STATFS,
  DISK_READONLY, DISK_SIZE, DISK_USED, DISK_USED_RATIO, emittedOn,
} from '../../metrics/catalog';
import { renderLabels, type SampleSet } from '../../metrics/samples';
import { filterMounts, MountinfoReader, parseMountinfo, rootfsPrefix, type MountEntry, type MountFilter } from './mounts_linux';
import { Deadline, gateKey, StatfsGate, type StatfsOutcome } from './statfs_gate';
import type { CimFeed } from '../cim_windows';
import { cimDiscovery, type VolumeDiscovery } from './volumes_windows';

/**
 * node_exporter's default excludes (filesystem_linux.go), so that dashboards built for it see the
 * same set of mount points.
 */
export const DEFAULT_MOUNT_POINTS_EXCLUDE =
  '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
export const DEFAULT_FS_TYPES_EXCLUDE =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$';
/** Windows: no mount point is left out by default (the pattern matches none). */
export const WINDOWS_MOUNT_POINTS_EXCLUDE = '^$';
/** Windows: CD and DVD filesystems, as node_exporter leaves out iso9660 (a mounted ISO is full by nature). */
export const WINDOWS_FS_TYPES_EXCLUDE = '^(CDFS|UDF)$';
/** Windows: optical and removable drives, and what has no root folder. */
export const WINDOWS_DRIVE_TYPES_EXCLUDE = '^(cdrom|removable|no_root_dir|unknown)$';

/**
 * Derives a value again only when its input changed (`same` says whether it did): the mount
 * list, its filtering and the targets' label sets are redone only when the mounts change.
 */
function whenChanged<I, O>(same: (a: I, b: I) => boolean, derive: (input: I) => O): (input: I) => O {
  let last: { input: I; output: O } | undefined;
  return (input) => {
    if (!last || !same(last.input, input)) last = { input, output: derive(input) };
    return last.output;
  };
}

const identical = <T>(a: T, b: T): boolean => a === b;

/** A mount's identity across two reads of the table: its exact path bytes and its device. */
const mountKey = (m: MountEntry): string => `${m.path ? m.path.toString('latin1') : m.mountpoint}\0${m.device}`;

/** A mount to query, with its label set rendered once for as long as the mount table holds. */
interface Target {
  readonly mount: MountEntry;
  readonly statfsPath: string | Buffer;
  /** The gate's key for statfsPath, made once per mount table instead of once per query. */
  readonly key: string;
  /** FUSE: statfs only outside the process (see statfs_probe_linux.ts). */
  readonly isolate: boolean;
  readonly labels: string;
}

/** Where the collector learns the mount list from; returns the same array while nothing changed. */
export type MountSource = (signal: AbortSignal) => MountEntry[] | Promise<MountEntry[]>;

export interface DiskOptions {
  readonly platform: NodeJS.Platform;
  readonly procfs: string;
  readonly rootfs: string;
  readonly filter: MountFilter;
  readonly gate: StatfsGate;
  readonly log: Logger;
  /** Windows: the WMI feed the volume list comes from (with a drive-letter fallback). */
  readonly cim?: CimFeed;
  /** Windows: injected discovery (tests) instead of the feed. */
  readonly discovery?: VolumeDiscovery;
}

/** Time kept back from the collector deadline so that partial results still make the scrape. */
function softDeadline(deadline: number, now = Date.now()): number {
  const margin = Math.min(250, Math.max(5, (deadline - now) * 0.05));
  return deadline - margin;
}

export class DiskCollector implements Collector {
  readonly name = 'disk';

  constructor(
    private readonly source: MountSource,
    private readonly statfsPath: (m: MountEntry) => string | Buffer,
    private readonly gate: StatfsGate,
    private readonly platform: NodeJS.Platform,
    private readonly onClose?: () => void,
  ) {}

  async collect(ctx: CollectContext, out: SampleSet): Promise<void> {
    const mounts = await this.source(ctx.signal);
    const targets = this.targetsFor(mounts);
    const deadline = new Deadline(softDeadline(ctx.deadline));
    let outcomes: StatfsOutcome[];
    try {
      outcomes = await Promise.all(targets.map((t) => this.gate.query(t.statfsPath, deadline, t.key, t.isolate)));
    } finally {
      deadline.cancel();
    }
    // A mount unmounted after the table was read has been statfs'ed as its parent filesystem
    // (the path is now a plain folder): a table that changed meanwhile drops mounts that went.
    const after = await this.source(ctx.signal);
    const still = after === mounts ? undefined : new Set(after.map(mountKey));
    const inodes = emittedOn(DISK_FILES, this.platform);
    for (let i = 0; i < targets.length; i++) {
      const { mount, labels } = targets[i];
      if (still && !still.has(mountKey(mount))) continue;
      const o = outcomes[i];
      out.addRendered(DISK_READONLY, labels, mount.readonly ? 1 : 0);
      if (!('ok' in o)) {
        out.addRendered(DISK_DEVICE_ERROR, labels, 1);
        continue;
      }
      const s = o.ok;
      const size = s.blocks * s.bsize;
      const free = s.bfree * s.bsize;
      const avail = s.bavail * s.bsize;
      const used = size - free;
      out.addRendered(DISK_DEVICE_ERROR, labels, 0);
      out.addRendered(DISK_SIZE, labels, size);
      out.addRendered(DISK_FREE, labels, free);
      out.addRendered(DISK_AVAILABLE, labels, avail);
      out.addRendered(DISK_USED, labels, used);
      out.addRendered(DISK_USED_RATIO, labels, used + avail > 0 ? used / (used + avail) : 0);
      if (inodes) {
        out.addRendered(DISK_FILES, labels, s.files);
        out.addRendered(DISK_FILES_FREE, labels, s.ffree);
      }
    }
    out.add(DISK_HUNG_STATFS, this.gate.hung);
  }

  close(): void {
    this.gate.close();
    this.onClose?.();
  }

  private readonly targetsFor = whenChanged(identical, (mounts: readonly MountEntry[]): Target[] => {
    const targets = mounts.map((m): Target => {
      const statfsPath = this.statfsPath(m);
      return { mount: m, statfsPath, key: gateKey(statfsPath), isolate: isFuse(m.fstype), labels: renderLabels(DISK_SIZE.labels, [m.device, m.fstype, m.mountpoint]) };
    });
    this.gate.retain(new Set(targets.map((t) => t.key)));
    return targets;
  });
}

/** FUSE filesystems: "fuse", "fuseblk" (ntfs-3g) and "fuse.<daemon>" (sshfs, rclone, s3fs...). */
export const isFuse = (fstype: string): boolean => fstype === 'fuse' || fstype === 'fuseblk' || fstype.startsWith('fuse.');

/** Linux mount source: re-parses mountinfo only when its text changed (the reader then returns another Buffer). */
export function linuxMounts(procfs: string, root: Buffer, filter: MountFilter): MountSource {
  const reader = new MountinfoReader(procfs);
  const mounts = whenChanged(identical, (text: Buffer) => filterMounts(parseMountinfo(text, root), filter));
  return () => mounts(reader.read());
}

export function createDiskCollector(o: DiskOptions): DiskCollector {
  if (o.platform === 'win32' || o.discovery) {
    if (!o.discovery && !o.cim) throw new Error('the Windows disk collector needs a WMI feed');
    const discover = o.discovery ?? cimDiscovery(o.cim!, o.gate, o.log);
    const filtered = whenChanged(identical, (list: MountEntry[]) => filterMounts(list, o.filter));
    const source: MountSource = async (signal) => filtered(await discover(signal));
    // Volume roots and mounted folders take a trailing backslash: "C:\", "C:\mnt\data\", "\\?\Volume{...}\".
    return new DiskCollector(source, (m) => `${m.mountpoint}\\`, o.gate, o.platform);
  }
  // statfs gets the mount point's exact bytes (it need not be UTF-8), below --path.rootfs.
  const root = rootfsPrefix(o.rootfs);
  return new DiskCollector(linuxMounts(o.procfs, root, o.filter), (m) => Buffer.concat([root, m.path ?? Buffer.from(m.mountpoint, 'utf8')]), o.gate, o.platform);
}
