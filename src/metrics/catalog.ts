// The one place where sys-exporter's metric families are defined. The exposition, the README's
// metric table and the BlueKing descriptors are generated from this list (and tests check that
// what the exporter emits matches it), so a metric is added or renamed here and nowhere else.

export type MetricType = 'gauge' | 'counter';

/** Base unit of a family; '' for plain numbers (counts, flags, info metrics). */
export type Unit = 'bytes' | 'seconds' | 'ratio' | '';

/** Which collector produces a family. `process` and `exporter` are always on. */
export type Source = 'memory' | 'disk' | 'exporter' | 'process';

export interface MetricDef {
  /** Full sample name as written in the text format (counters end in `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: Unit;
  readonly labels: readonly string[];
  readonly source: Source;
  /** At most 15 characters: BlueKing's metric description limit. */
  readonly short: string;
  /** Platforms that emit the family; all when absent. */
  readonly platforms?: readonly NodeJS.Platform[];
}

const DISK_LABELS = ['device', 'fstype', 'mountpoint'] as const;
const LINUX_ONLY: readonly NodeJS.Platform[] = ['linux'];

function def(
  source: Source,
  type: MetricType,
  name: string,
  unit: Unit,
  short: string,
  help: string,
  labels: readonly string[] = [],
  platforms?: readonly NodeJS.Platform[],
): MetricDef {
  return Object.freeze({ name, type, help, unit, labels, source, short, platforms });
}

export const MEMORY_TOTAL = def('memory', 'gauge', 'sys_memory_total_bytes', 'bytes', 'Memory total',
  'Total usable physical memory in bytes.');
export const MEMORY_AVAILABLE = def('memory', 'gauge', 'sys_memory_available_bytes', 'bytes', 'Memory avail',
  'Memory available to start new applications without swapping, in bytes (MemAvailable; before Linux 3.14, the kernel\'s own formula over /proc/zoneinfo).');
export const MEMORY_USED = def('memory', 'gauge', 'sys_memory_used_bytes', 'bytes', 'Memory used',
  'Memory in use in bytes: total minus available.');
export const MEMORY_USED_RATIO = def('memory', 'gauge', 'sys_memory_used_ratio', 'ratio', 'Memory used pct',
  'Share of physical memory in use, from 0 to 1: used divided by total.');
export const SWAP_TOTAL = def('memory', 'gauge', 'sys_swap_total_bytes', 'bytes', 'Swap total',
  'Total swap space in bytes.');
export const SWAP_FREE = def('memory', 'gauge', 'sys_swap_free_bytes', 'bytes', 'Swap free',
  'Unused swap space in bytes.');

export const DISK_SIZE = def('disk', 'gauge', 'sys_disk_size_bytes', 'bytes', 'Disk size',
  'Filesystem size in bytes.', DISK_LABELS);
export const DISK_FREE = def('disk', 'gauge', 'sys_disk_free_bytes', 'bytes', 'Disk free',
  'Free space in bytes, including space reserved for root.', DISK_LABELS);
export const DISK_AVAILABLE = def('disk', 'gauge', 'sys_disk_available_bytes', 'bytes', 'Disk avail',
  'Space available to unprivileged users in bytes.', DISK_LABELS);
export const DISK_USED = def('disk', 'gauge', 'sys_disk_used_bytes', 'bytes', 'Disk used',
  'Used space in bytes: size minus free.', DISK_LABELS);
export const DISK_USED_RATIO = def('disk', 'gauge', 'sys_disk_used_ratio', 'ratio', 'Disk used pct',
  'Share of the filesystem in use, from 0 to 1, as df shows it: used divided by used plus available.', DISK_LABELS);
export const DISK_FILES = def('disk', 'gauge', 'sys_disk_files', '', 'Inodes total',
  'Total number of file nodes (inodes) in the filesystem.', DISK_LABELS, LINUX_ONLY);
export const DISK_FILES_FREE = def('disk', 'gauge', 'sys_disk_files_free', '', 'Inodes free',
  'Number of free file nodes (inodes) in the filesystem.', DISK_LABELS, LINUX_ONLY);
export const DISK_READONLY = def('disk', 'gauge', 'sys_disk_readonly', '', 'Disk read-only',
  '1 if the filesystem is mounted read-only, else 0.', DISK_LABELS);
export const DISK_DEVICE_ERROR = def('disk', 'gauge', 'sys_disk_device_error', '', 'Disk error',
  '1 if the filesystem could not be queried in this scrape (statfs failed or did not return in time), else 0.', DISK_LABELS);
export const DISK_HUNG_STATFS = def('disk', 'gauge', 'sys_disk_hung_statfs_calls', '', 'Hung statfs',
  'statfs calls outstanding for longer than --collector.timeout (hung mounts); each holds a thread or a probe process until it returns.');

export const COLLECTOR_SUCCESS = def('exporter', 'gauge', 'sys_scrape_collector_success', '', 'Collector ok',
  '1 if the collector succeeded in the served collection, else 0.', ['collector']);
export const COLLECTOR_DURATION = def('exporter', 'gauge', 'sys_scrape_collector_duration_seconds', 'seconds', 'Collector time',
  'Time the collector took in the served collection, in seconds.', ['collector']);
export const COLLECTOR_ERRORS = def('exporter', 'counter', 'sys_scrape_collector_errors_total', '', 'Collector errs',
  'Collections in which the collector failed or missed its deadline, since the exporter started.', ['collector']);
export const SNAPSHOT_AGE = def('exporter', 'gauge', 'sys_exporter_snapshot_age_seconds', 'seconds', 'Snapshot age',
  'Age of the served collection in seconds (near 0 when collecting on each scrape).');
export const BUILD_INFO = def('exporter', 'gauge', 'sys_exporter_build_info', '', 'Build info',
  'A metric with a constant value 1, labelled by the version and revision of sys-exporter and the Node.js runtime and platform it runs on.',
  ['version', 'revision', 'nodejs_version', 'platform', 'arch']);

// Standard process metrics. Their values come from prom-client's process collectors; the
// definitions live here so that they are documented and exported like every other family (a
// test checks that prom-client emits exactly these names).
export const PROCESS_CPU_USER = def('process', 'counter', 'process_cpu_user_seconds_total', 'seconds', 'CPU user',
  'Total user CPU time spent by the exporter in seconds.');
export const PROCESS_CPU_SYSTEM = def('process', 'counter', 'process_cpu_system_seconds_total', 'seconds', 'CPU system',
  'Total system CPU time spent by the exporter in seconds.');
export const PROCESS_CPU = def('process', 'counter', 'process_cpu_seconds_total', 'seconds', 'CPU total',
  'Total user and system CPU time spent by the exporter in seconds.');
export const PROCESS_START_TIME = def('process', 'gauge', 'process_start_time_seconds', 'seconds', 'Start time',
  'Start time of the exporter process since the Unix epoch in seconds.');
export const PROCESS_RSS = def('process', 'gauge', 'process_resident_memory_bytes', 'bytes', 'Exporter RSS',
  'Resident memory size of the exporter process in bytes.');
export const PROCESS_VSZ = def('process', 'gauge', 'process_virtual_memory_bytes', 'bytes', 'Exporter VSZ',
  'Virtual memory size of the exporter process in bytes.', [], LINUX_ONLY);
export const PROCESS_HEAP = def('process', 'gauge', 'process_heap_bytes', 'bytes', 'Exporter heap',
  'Data segment size (VmData) of the exporter process in bytes.', [], LINUX_ONLY);
export const PROCESS_OPEN_FDS = def('process', 'gauge', 'process_open_fds', '', 'Open fds',
  'Number of open file descriptors of the exporter process.', [], LINUX_ONLY);
export const PROCESS_MAX_FDS = def('process', 'gauge', 'process_max_fds', '', 'Max fds',
  'Maximum number of open file descriptors of the exporter process.', [], LINUX_ONLY);

/** Every family, in exposition order. */
export const CATALOG: readonly MetricDef[] = Object.freeze([
  MEMORY_TOTAL, MEMORY_AVAILABLE, MEMORY_USED, MEMORY_USED_RATIO, SWAP_TOTAL, SWAP_FREE,
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
