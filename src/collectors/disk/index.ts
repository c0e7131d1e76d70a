import type { Collector, CollectContext } from '../collector';
import type { Logger } from '../../log';
import {
  DISK_AVAILABLE, DISK_DEVICE_ERROR, DISK_FAMILIES, DISK_FILES, DISK_FILES_FREE, DISK_FREE, DISK_HUNG_STATFS, DISK_INFO,
  DISK_LABEL_TEXT, DISK_READONLY, DISK_SIZE, DISK_USED, DISK_USED_RATIO, WINDOWS_DISK_LABELS,
} from './metrics';
import { emittedOn } from '../../metrics/def';
import { fsTypeList, mountPointList, regex, type FlagSpec, type Pattern } from '../../flags';
import type { CollectorModule } from '../module';
import { statfsProbe, u64 } from './statfs_probe_linux';
import { renderLabels, type SampleSet } from '../../metrics/samples';
import { filterMounts, MountinfoReader, parseMountinfo, rootfsPrefix, type MountEntry, type MountFilter } from './mounts_linux';
import { Deadline, gateKey, poolSize, statfsCapacity, StatfsGate, type StatfsOutcome } from './statfs_gate';
import type { CimFeed } from '../cim_windows';
import { cimDiscovery, type VolumeDiscovery } from './volumes_windows';
import { identical, whenChanged } from '../when_changed';

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
 * A mount's identity across two reads of the table: its exact path bytes, its device and (Linux)
 * its mount ID. Path and device alone took an unmount, symlink and remount of the same device
 * name for the same mount, and reported what the path then led to under the old labels.
 */
const mountKey = (m: MountEntry): string => `${m.path ? m.path.toString('latin1') : m.mountpoint}\0${m.device}\0${m.id ?? ''}`;

/** A mount to query, with its label set rendered once for as long as the mount table holds. */
interface Target {
  readonly mount: MountEntry;
  readonly statfsPath: string | Buffer;
  /** The gate's key for statfsPath, made once per mount table instead of once per query. */
  readonly key: string;
  /** FUSE and below: statfs only outside the process (see statfs_probe_linux.ts). */
  readonly isolate: boolean;
  readonly labels: string;
  /** Windows: sys_disk_info's labels, when WMI described the volume. */
  readonly info?: string;
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
      if (mount.readonly !== undefined) out.addRendered(DISK_READONLY, labels, mount.readonly ? 1 : 0);
      if (targets[i].info !== undefined) out.addRendered(DISK_INFO, targets[i].info!, 1);
      if (!('ok' in o)) {
        out.addRendered(DISK_DEVICE_ERROR, labels, 1);
        continue;
      }
      const s = o.ok;
      // Under Bun, statfs gives counts of 2^63 and up as negative numbers (int64).
      const size = u64(s.blocks) * s.bsize;
      const free = u64(s.bfree) * s.bsize;
      const avail = u64(s.bavail) * s.bsize;
      const used = size - free;
      out.addRendered(DISK_DEVICE_ERROR, labels, 0);
      out.addRendered(DISK_SIZE, labels, size);
      out.addRendered(DISK_FREE, labels, free);
      out.addRendered(DISK_AVAILABLE, labels, avail);
      out.addRendered(DISK_USED, labels, used);
      out.addRendered(DISK_USED_RATIO, labels, used + avail > 0 ? used / (used + avail) : 0);
      if (inodes) {
        out.addRendered(DISK_FILES, labels, u64(s.files));
        out.addRendered(DISK_FILES_FREE, labels, u64(s.ffree));
      }
    }
    out.add(DISK_HUNG_STATFS, this.gate.hung);
  }

  close(): void {
    this.gate.close();
    this.onClose?.();
  }

  private readonly targetsFor = whenChanged(identical, (mounts: readonly MountEntry[]): Target[] => {
    const windows = this.platform === 'win32';
    const targets = mounts.map((m): Target => {
      const statfsPath = this.statfsPath(m);
      const labels = windows ? renderLabels(WINDOWS_DISK_LABELS, [m.mountpoint]) : renderLabels(DISK_SIZE.labels, [m.device, m.fstype, m.mountpoint]);
      const info = windows && m.driveType !== undefined ? renderLabels(DISK_INFO.labels, [m.device, m.fstype, m.driveType, m.mountpoint]) : undefined;
      return { mount: m, statfsPath, key: gateKey(statfsPath), isolate: m.viaFuse === true, labels, info };
    });
    this.gate.retain(new Set(targets.map((t) => t.key)));
    return targets;
  });
}

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

const REGEX_DEFAULTS = [
  DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_FS_TYPES_EXCLUDE, WINDOWS_MOUNT_POINTS_EXCLUDE, WINDOWS_FS_TYPES_EXCLUDE, WINDOWS_DRIVE_TYPES_EXCLUDE,
];
/** The built-in defaults are plain alternations, matched with RegExp: a host on defaults never loads RE2. */
const pattern = regex(REGEX_DEFAULTS);

const DISK_FLAGS: readonly FlagSpec[] = [
  { name: 'collector.disk.mount-points-exclude', arg: '<regex>', defaultText: DEFAULT_MOUNT_POINTS_EXCLUDE, windowsDefault: WINDOWS_MOUNT_POINTS_EXCLUDE, parse: pattern,
    help: 'Regular expression of mount points to leave out.' },
  { name: 'collector.disk.fs-types-exclude', arg: '<regex>', defaultText: DEFAULT_FS_TYPES_EXCLUDE, windowsDefault: WINDOWS_FS_TYPES_EXCLUDE, parse: pattern,
    help: 'Regular expression of filesystem types to leave out.' },
  { name: 'collector.disk.drive-types-exclude', arg: '<regex>', defaultText: WINDOWS_DRIVE_TYPES_EXCLUDE, parse: pattern, platforms: ['win32'],
    help: 'Regular expression of drive types to leave out: unknown, no_root_dir, removable, fixed, remote, cdrom, ramdisk.' },
  { name: 'collector.disk.skip-mount-points', arg: '<list>', defaultText: '', parse: mountPointList,
    help: 'Comma-separated mount points to leave out, with everything mounted below them (e.g. /mnt/backup,/data/tmp; D:,E:/mnt on Windows), on top of the exclude regex. Write other characters than letters, digits and /._:+- as %XX (a space is %20).',
    form: { en: 'Skip these and below: /mnt/a,/data or D:,E:/a', zh: '不采集的挂载点及其下级，逗号分隔，如 /mnt/a,/data；Windows 如 D:,E:/a' },
    alias: { en: 'Skip mount points', zh: '不采集的挂载点' } },
  { name: 'collector.disk.skip-fs-types', arg: '<list>', defaultText: '', parse: fsTypeList,
    help: 'Comma-separated filesystem types to leave out (e.g. nfs,nfs4,cifs,tmpfs), on top of the exclude regex.',
    form: { en: 'FS types to skip: nfs,nfs4,cifs; Windows FAT32', zh: '不采集的文件系统类型，逗号分隔，如 nfs,nfs4,cifs；Windows 如 FAT32' },
    alias: { en: 'Skip FS types', zh: '不采集的文件系统类型' } },
];

/** The mount filter the disk flags describe (`flag` gives a parsed flag value by name). */
export function diskFilter(flag: <T>(name: string) => T, platform: NodeJS.Platform): MountFilter {
  return {
    mountPointsExclude: flag<Pattern>('collector.disk.mount-points-exclude'),
    fsTypesExclude: flag<Pattern>('collector.disk.fs-types-exclude'),
    skipMountPoints: flag<string[]>('collector.disk.skip-mount-points'),
    skipFsTypes: flag<string[]>('collector.disk.skip-fs-types'),
    driveTypesExclude: platform === 'win32' ? flag<Pattern>('collector.disk.drive-types-exclude') : undefined,
  };
}

export const DISK: CollectorModule = {
  name: 'disk',
  defaultEnabled: true,
  noun: { en: 'disk', zh: '磁盘' },
  title: { en: 'Disk usage', zh: '磁盘空间' },
  flags: DISK_FLAGS,
  families: DISK_FAMILIES,
  labelText: DISK_LABEL_TEXT,
  create: (env) =>
    createDiskCollector({
      platform: env.platform,
      procfs: env.procfs,
      rootfs: env.rootfs,
      filter: diskFilter(env.flag, env.platform),
      gate: new StatfsGate({
        capacity: statfsCapacity(poolSize()),
        hungAfterMs: env.timeoutMs,
        probe: env.platform === 'linux' ? statfsProbe() : undefined,
      }),
      log: env.log,
      cim: env.platform === 'win32' ? env.cim() : undefined,
    }),
};
