// The disk collector's metric families and label texts (the only place they are defined).
import { def, LINUX_ONLY, onWindows, WINDOWS_ONLY, type Texts15 } from '../../metrics/def';

// On Windows a volume's series carry only `mountpoint`: the device and filesystem are known only
// once WMI answers, and a label that changed then would start new series for the same volume.
// They are in sys_disk_info there.
const DISK_LABELS = ['device', 'fstype', 'mountpoint'] as const;
export const WINDOWS_DISK_LABELS = ['mountpoint'] as const;

export const DISK_SIZE = def('disk', 'gauge', 'sys_disk_size_bytes', 'bytes', ['Disk size',
  'Filesystem size in bytes.',
  '磁盘总空间大小', '文件系统的总空间（字节），即蓝鲸内置指标“磁盘总空间大小”（disk.total）。'], DISK_LABELS);
export const DISK_FREE = onWindows(def('disk', 'gauge', 'sys_disk_free_bytes', 'bytes', ['Disk free',
  'Free space in bytes, including space reserved for root.',
  '磁盘空闲空间（含保留）', '空闲空间（字节）。Linux 含为 root 保留的部分，大于或等于蓝鲸内置的“磁盘空闲大小”（disk.free，普通用户可用），后者对应 sys_disk_available_bytes；Windows 为卷上的全部空闲空间，不受磁盘配额限制，即 Windows 上的 disk.free。'], DISK_LABELS),
'Free space on the volume in bytes, whatever a disk quota leaves the exporter\'s account.');
export const DISK_AVAILABLE = onWindows(def('disk', 'gauge', 'sys_disk_available_bytes', 'bytes', ['Disk avail',
  'Space available to unprivileged users in bytes.',
  '磁盘可用空间', '普通用户可用的空间（字节），即 Linux 上蓝鲸内置的“磁盘空闲大小”（disk.free）；Windows 为 Exporter 所用账户在磁盘配额内可用的空间（未启用配额时与 sys_disk_free_bytes 相同）。'], DISK_LABELS),
'Space available to the exporter\'s account in bytes, after any disk quota (without quotas, the free space).');
export const DISK_USED = def('disk', 'gauge', 'sys_disk_used_bytes', 'bytes', ['Disk used',
  'Used space in bytes: size minus free.',
  '磁盘已用空间大小', '已用空间（字节）：总空间减空闲空间，即蓝鲸内置的“磁盘已用空间大小”（disk.used）。'], DISK_LABELS);
export const DISK_USED_RATIO = def('disk', 'gauge', 'sys_disk_used_ratio', 'ratio', ['Disk used pct',
  'Share of the filesystem in use, from 0 to 1, as df shows it: used divided by used plus available.',
  '磁盘使用率', '磁盘使用率，0 到 1（平台按百分比显示），与 df 的 Use% 一致：已用除以（已用加可用），不计 root 保留的部分。'], DISK_LABELS);
export const DISK_FILES = def('disk', 'gauge', 'sys_disk_files', '', ['Inodes total',
  'Total number of file nodes (inodes) in the filesystem.',
  'inode 总数', '文件系统的 inode 总数。'], DISK_LABELS, LINUX_ONLY);
export const DISK_FILES_FREE = def('disk', 'gauge', 'sys_disk_files_free', '', ['Inodes free',
  'Number of free file nodes (inodes) in the filesystem.',
  'inode 空闲数', '文件系统中空闲的 inode 数。'], DISK_LABELS, LINUX_ONLY);
export const DISK_READONLY = onWindows(def('disk', 'gauge', 'sys_disk_readonly', '', ['Disk read-only',
  '1 if the filesystem is mounted read-only, else 0.',
  '是否只读挂载', '文件系统以只读方式挂载时为 1，否则为 0。Windows 取自 WMI：卷所在分区或磁盘为只读时为 1；WMI 未应答时不输出。'], DISK_LABELS),
'1 if the volume\'s partition or disk is read-only (WMI\'s storage classes), else 0; left out while WMI has not described the volume.');
export const DISK_DEVICE_ERROR = def('disk', 'gauge', 'sys_disk_device_error', '', ['Disk error',
  '1 if the filesystem could not be queried in this scrape (statfs failed or did not return in time), else 0.',
  '挂载点是否查询失败', '本次采集未能查询该挂载点（statfs 失败或未在超时时间内返回）时为 1，否则为 0。'], DISK_LABELS);
export const DISK_HUNG_STATFS = def('disk', 'gauge', 'sys_disk_hung_statfs_calls', '', ['Hung statfs',
  'statfs calls outstanding for longer than --collector.timeout (hung mounts); each holds a thread or a probe process until it returns.',
  '未返回的 statfs 调用数', '超过采集超时（默认 5 秒）仍未返回的 statfs 调用数（挂载点挂起时出现，如 NFS 服务器失联）；每个调用占用一个线程或一个探测进程，直到返回。']);

export const DISK_INFO = def('disk', 'gauge', 'sys_disk_info', '', ['Volume info',
  'Windows: 1 for each volume WMI lists, labelled by its device (volume GUID path or network share), filesystem and drive type. Join on mountpoint.',
  '卷信息', 'WMI 列出的每个卷输出一条，值恒为 1，维度为设备名（卷 GUID 路径或网络共享）、文件系统类型与驱动器类型，可按挂载点与其他磁盘指标关联。'], ['device', 'fstype', 'drive_type', 'mountpoint'], WINDOWS_ONLY);

/** In exposition order. */
export const DISK_FAMILIES = [
  DISK_SIZE, DISK_FREE, DISK_AVAILABLE, DISK_USED, DISK_USED_RATIO, DISK_FILES, DISK_FILES_FREE,
  DISK_READONLY, DISK_DEVICE_ERROR, DISK_INFO, DISK_HUNG_STATFS,
];

/** What BlueKing shows for the disk labels (dimensions there). */
export const DISK_LABEL_TEXT: Readonly<Record<string, Texts15>> = {
  device: { en: 'Device', zh: '设备名' },
  fstype: { en: 'FS type', zh: '文件系统类型' },
  drive_type: { en: 'Drive type', zh: '驱动器类型' },
  mountpoint: { en: 'Mount point', zh: '挂载点' },
};
