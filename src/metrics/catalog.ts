// The one place where sys-exporter's metric families are defined. The exposition, the README's
// metric table and the BlueKing descriptors are generated from this list (and tests check that
// what the exporter emits matches it), so a metric is added or renamed here and nowhere else.

export type MetricType = 'gauge' | 'counter';

/** Base unit of a family; '' for plain numbers (counts, flags, info metrics). */
export type Unit = 'bytes' | 'seconds' | 'ratio' | '';

/** Which collector produces a family. `process` and `exporter` are always on. */
export type Source = 'memory' | 'disk' | 'exporter' | 'process';

/** The languages the BlueKing descriptors are written in; BlueKing's users read Chinese first. */
export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** A name a person reads: at most 15 characters (BlueKing's limit), and a full sentence. */
export interface Text {
  readonly short: string;
  readonly help: string;
}

export interface MetricDef {
  /** Full sample name as written in the text format (counters end in `_total`). */
  readonly name: string;
  readonly type: MetricType;
  /** The HELP line (English, as Prometheus exporters write it). */
  readonly help: string;
  readonly unit: Unit;
  readonly labels: readonly string[];
  readonly source: Source;
  /** At most 15 characters: BlueKing's metric description limit. */
  readonly short: string;
  /** What BlueKing shows, per language. */
  readonly text: Readonly<Record<Lang, Text>>;
  /** Platforms that emit the family; all when absent. */
  readonly platforms?: readonly NodeJS.Platform[];
}

const DISK_LABELS = ['device', 'fstype', 'mountpoint'] as const;
const LINUX_ONLY: readonly NodeJS.Platform[] = ['linux'];
const WINDOWS_ONLY: readonly NodeJS.Platform[] = ['win32'];

type Texts = readonly [enShort: string, enHelp: string, zhShort: string, zhHelp: string];

function def(
  source: Source,
  type: MetricType,
  name: string,
  unit: Unit,
  [short, help, zhShort, zhHelp]: Texts,
  labels: readonly string[] = [],
  platforms?: readonly NodeJS.Platform[],
): MetricDef {
  const text = { en: { short, help }, zh: { short: zhShort, help: zhHelp } };
  return Object.freeze({ name, type, help, unit, labels, source, short, text, platforms });
}

export const MEMORY_TOTAL = def('memory', 'gauge', 'sys_memory_total_bytes', 'bytes', ['Memory total',
  'Total usable physical memory in bytes.',
  '内存总量', '可用的物理内存总量（字节）。']);
export const MEMORY_AVAILABLE = def('memory', 'gauge', 'sys_memory_available_bytes', 'bytes', ['Memory avail',
  'Memory available to start new applications without swapping, in bytes (MemAvailable; before Linux 3.14, the kernel\'s own formula over /proc/zoneinfo).',
  '可用内存', '无需换出即可供新程序使用的内存（字节）。Linux 取 MemAvailable；3.14 以前的内核按内核自身的公式从 /proc/zoneinfo 计算。']);
export const MEMORY_USED = def('memory', 'gauge', 'sys_memory_used_bytes', 'bytes', ['Memory used',
  'Memory in use in bytes: total minus available.',
  '已用内存', '已用内存（字节）：总量减可用。']);
export const MEMORY_USED_RATIO = def('memory', 'gauge', 'sys_memory_used_ratio', 'ratio', ['Memory used pct',
  'Share of physical memory in use, from 0 to 1: used divided by total.',
  '内存使用率', '物理内存使用率，0 到 1：已用除以总量。']);
export const SWAP_TOTAL = def('memory', 'gauge', 'sys_swap_total_bytes', 'bytes', ['Swap total',
  'Total swap space in bytes.',
  '交换区总量', '交换空间总量（字节）。']);
export const SWAP_FREE = def('memory', 'gauge', 'sys_swap_free_bytes', 'bytes', ['Swap free',
  'Unused swap space in bytes.',
  '交换区空闲', '未使用的交换空间（字节）。']);
export const COMMIT_LIMIT = def('memory', 'gauge', 'sys_memory_commit_limit_bytes', 'bytes', ['Commit limit',
  'Windows commit limit in bytes: physical memory plus page files, the most that can be committed.',
  '提交上限', 'Windows 提交上限（字节）：物理内存加页面文件，可提交内存的上限。'], [], WINDOWS_ONLY);
export const COMMITTED = def('memory', 'gauge', 'sys_memory_committed_bytes', 'bytes', ['Committed',
  'Windows commit charge in bytes: memory committed by all processes and the system (Committed in Task Manager).',
  '已提交', 'Windows 已提交内存（字节）：所有进程和系统已提交的内存，即任务管理器中的“已提交”。'], [], WINDOWS_ONLY);

export const DISK_SIZE = def('disk', 'gauge', 'sys_disk_size_bytes', 'bytes', ['Disk size',
  'Filesystem size in bytes.',
  '磁盘容量', '文件系统容量（字节）。'], DISK_LABELS);
export const DISK_FREE = def('disk', 'gauge', 'sys_disk_free_bytes', 'bytes', ['Disk free',
  'Free space in bytes, including space reserved for root.',
  '磁盘空闲', '空闲空间（字节），含为 root 保留的部分。'], DISK_LABELS);
export const DISK_AVAILABLE = def('disk', 'gauge', 'sys_disk_available_bytes', 'bytes', ['Disk avail',
  'Space available to unprivileged users in bytes.',
  '磁盘可用', '普通用户可用的空间（字节）。'], DISK_LABELS);
export const DISK_USED = def('disk', 'gauge', 'sys_disk_used_bytes', 'bytes', ['Disk used',
  'Used space in bytes: size minus free.',
  '磁盘已用', '已用空间（字节）：容量减空闲。'], DISK_LABELS);
export const DISK_USED_RATIO = def('disk', 'gauge', 'sys_disk_used_ratio', 'ratio', ['Disk used pct',
  'Share of the filesystem in use, from 0 to 1, as df shows it: used divided by used plus available.',
  '磁盘使用率', '文件系统使用率，0 到 1，与 df 一致：已用除以（已用加可用）。'], DISK_LABELS);
export const DISK_FILES = def('disk', 'gauge', 'sys_disk_files', '', ['Inodes total',
  'Total number of file nodes (inodes) in the filesystem.',
  'inode 总数', '文件系统的文件节点（inode）总数。'], DISK_LABELS, LINUX_ONLY);
export const DISK_FILES_FREE = def('disk', 'gauge', 'sys_disk_files_free', '', ['Inodes free',
  'Number of free file nodes (inodes) in the filesystem.',
  'inode 空闲数', '文件系统中空闲的文件节点（inode）数。'], DISK_LABELS, LINUX_ONLY);
export const DISK_READONLY = def('disk', 'gauge', 'sys_disk_readonly', '', ['Disk read-only',
  '1 if the filesystem is mounted read-only, else 0.',
  '只读挂载', '文件系统以只读方式挂载时为 1，否则为 0。'], DISK_LABELS);
export const DISK_DEVICE_ERROR = def('disk', 'gauge', 'sys_disk_device_error', '', ['Disk error',
  '1 if the filesystem could not be queried in this scrape (statfs failed or did not return in time), else 0.',
  '磁盘查询失败', '本次采集未能查询该文件系统（statfs 失败或未及时返回）时为 1，否则为 0。'], DISK_LABELS);
export const DISK_HUNG_STATFS = def('disk', 'gauge', 'sys_disk_hung_statfs_calls', '', ['Hung statfs',
  'statfs calls outstanding for longer than --collector.timeout (hung mounts); each holds a thread or a probe process until it returns.',
  '挂起的查询数', '超过 --collector.timeout 仍未返回的 statfs 调用数（挂起的挂载点）；每个占用一个线程或探测进程，直到返回。']);

export const COLLECTOR_SUCCESS = def('exporter', 'gauge', 'sys_scrape_collector_success', '', ['Collector ok',
  '1 if the collector succeeded in the served collection, else 0.',
  '采集器成功', '采集器在本次提供的采集中成功时为 1，否则为 0。'], ['collector']);
export const COLLECTOR_DURATION = def('exporter', 'gauge', 'sys_scrape_collector_duration_seconds', 'seconds', ['Collector time',
  'Time the collector took in the served collection, in seconds.',
  '采集耗时', '采集器在本次提供的采集中的耗时（秒）。'], ['collector']);
export const COLLECTOR_ERRORS = def('exporter', 'counter', 'sys_scrape_collector_errors_total', '', ['Collector errs',
  'Collections in which the collector failed or missed its deadline, since the exporter started.',
  '采集器失败次数', '自导出器启动以来，采集器失败或超时的采集次数。'], ['collector']);
export const SNAPSHOT_AGE = def('exporter', 'gauge', 'sys_exporter_snapshot_age_seconds', 'seconds', ['Snapshot age',
  'Age of the served collection in seconds (near 0 when collecting on each scrape).',
  '数据时效', '所提供的采集结果已过去的秒数（每次抓取时采集则接近 0）。']);
export const BUILD_INFO = def('exporter', 'gauge', 'sys_exporter_build_info', '', ['Build info',
  'A metric with a constant value 1, labelled by the version and revision of sys-exporter, the runtime it runs on (node or bun) with the Node.js version it provides, and the platform.',
  '版本信息', '恒为 1，标签为 sys-exporter 的版本、修订号、所用运行时（node 或 bun）及其提供的 Node.js 版本，以及平台。'],
  ['version', 'revision', 'nodejs_version', 'runtime', 'platform', 'arch']);

// Standard process metrics. Their values come from prom-client's process collectors; the
// definitions live here so that they are documented and exported like every other family (a
// test checks that prom-client emits exactly these names).
export const PROCESS_CPU_USER = def('process', 'counter', 'process_cpu_user_seconds_total', 'seconds', ['CPU user',
  'Total user CPU time spent by the exporter in seconds.',
  '用户态 CPU', '导出器进程累计的用户态 CPU 时间（秒）。']);
export const PROCESS_CPU_SYSTEM = def('process', 'counter', 'process_cpu_system_seconds_total', 'seconds', ['CPU system',
  'Total system CPU time spent by the exporter in seconds.',
  '内核态 CPU', '导出器进程累计的内核态 CPU 时间（秒）。']);
export const PROCESS_CPU = def('process', 'counter', 'process_cpu_seconds_total', 'seconds', ['CPU total',
  'Total user and system CPU time spent by the exporter in seconds.',
  'CPU 总时间', '导出器进程累计的用户态与内核态 CPU 时间（秒）。']);
export const PROCESS_START_TIME = def('process', 'gauge', 'process_start_time_seconds', 'seconds', ['Start time',
  'Start time of the exporter process since the Unix epoch in seconds.',
  '启动时间', '导出器进程的启动时间（Unix 时间戳，秒）。']);
export const PROCESS_RSS = def('process', 'gauge', 'process_resident_memory_bytes', 'bytes', ['Exporter RSS',
  'Resident memory size of the exporter process in bytes.',
  '常驻内存', '导出器进程的常驻内存（字节）。']);
export const PROCESS_VSZ = def('process', 'gauge', 'process_virtual_memory_bytes', 'bytes', ['Exporter VSZ',
  'Virtual memory size of the exporter process in bytes.',
  '虚拟内存', '导出器进程的虚拟内存大小（字节）。'], [], LINUX_ONLY);
export const PROCESS_HEAP = def('process', 'gauge', 'process_heap_bytes', 'bytes', ['Exporter heap',
  'Data segment size (VmData) of the exporter process in bytes.',
  '数据段大小', '导出器进程的数据段大小 VmData（字节）。'], [], LINUX_ONLY);
export const PROCESS_OPEN_FDS = def('process', 'gauge', 'process_open_fds', '', ['Open fds',
  'Number of open file descriptors of the exporter process.',
  '打开的文件数', '导出器进程打开的文件描述符数。'], [], LINUX_ONLY);
export const PROCESS_MAX_FDS = def('process', 'gauge', 'process_max_fds', '', ['Max fds',
  'Maximum number of open file descriptors of the exporter process.',
  '文件数上限', '导出器进程可打开的文件描述符数上限。'], [], LINUX_ONLY);

/** What BlueKing shows for each label (a dimension there), per language, at most 15 characters. */
export const LABEL_TEXT: Readonly<Record<string, Readonly<Record<Lang, string>>>> = {
  device: { en: 'Device', zh: '设备' },
  fstype: { en: 'FS type', zh: '文件系统类型' },
  mountpoint: { en: 'Mount point', zh: '挂载点' },
  collector: { en: 'Collector', zh: '采集器' },
  version: { en: 'Version', zh: '版本' },
  revision: { en: 'Revision', zh: '修订号' },
  nodejs_version: { en: 'Node.js version', zh: 'Node.js 版本' },
  runtime: { en: 'Runtime', zh: '运行时' },
  platform: { en: 'Platform', zh: '平台' },
  arch: { en: 'Architecture', zh: '架构' },
};

/** What BlueKing shows for each group of families (a table there), at most 15 characters. */
export const SOURCE_TEXT: Readonly<Record<Source, Readonly<Record<Lang, string>>>> = {
  memory: { en: 'Memory', zh: '内存' },
  disk: { en: 'Disk usage', zh: '磁盘使用' },
  exporter: { en: 'Scrape health', zh: '采集健康' },
  process: { en: 'Exporter proc', zh: '导出器进程' },
};

/** Every family, in exposition order. */
export const CATALOG: readonly MetricDef[] = Object.freeze([
  MEMORY_TOTAL, MEMORY_AVAILABLE, MEMORY_USED, MEMORY_USED_RATIO, SWAP_TOTAL, SWAP_FREE, COMMIT_LIMIT, COMMITTED,
  DISK_SIZE, DISK_FREE, DISK_AVAILABLE, DISK_USED, DISK_USED_RATIO, DISK_FILES, DISK_FILES_FREE,
  DISK_READONLY, DISK_DEVICE_ERROR, DISK_HUNG_STATFS,
  COLLECTOR_SUCCESS, COLLECTOR_DURATION, COLLECTOR_ERRORS, SNAPSHOT_AGE, BUILD_INFO,
  PROCESS_CPU_USER, PROCESS_CPU_SYSTEM, PROCESS_CPU, PROCESS_START_TIME, PROCESS_RSS, PROCESS_VSZ,
  PROCESS_HEAP, PROCESS_OPEN_FDS, PROCESS_MAX_FDS,
]);

/** The families a build for `platform` can emit (what its BlueKing metrics.json lists). */
export function familiesFor(platform: NodeJS.Platform): MetricDef[] {
  return CATALOG.filter((d) => emittedOn(d, platform));
}

/** Family name as OpenMetrics writes it in TYPE/HELP/UNIT lines (counters lose `_total`). */
export function familyName(d: MetricDef): string {
  return d.type === 'counter' ? d.name.replace(/_total$/, '') : d.name;
}

export function emittedOn(d: MetricDef, platform: NodeJS.Platform): boolean {
  return !d.platforms || d.platforms.includes(platform);
}
