// The catalog: every metric family sys-exporter can emit, in exposition order. The collectors'
// families come from the registry (each collector declares its own, src/collectors/<name>/
// metrics.ts); the exporter's own (scrape health, build info) and the process metrics are
// declared here. The exposition, the README's metric table and the BlueKing descriptors are
// generated from it, and tests check that what the exporter emits matches it.
import type { CollectorModule } from '../collectors/module';
import { COLLECTORS } from '../collectors/registry';
import { WMI_UP } from '../collectors/cim_windows';
import { def, emittedOn, LINUX_ONLY, type Lang, type MetricDef, type Texts15 } from './def';

export * from './def';

export const COLLECTOR_SUCCESS = def('exporter', 'gauge', 'sys_scrape_collector_success', '', ['Collector ok',
  '1 if the collector succeeded in the served collection, else 0.',
  '采集模块是否采集成功', '本次返回的采集结果中，该采集模块采集成功为 1，否则为 0。'], ['collector']);
export const COLLECTOR_DURATION = def('exporter', 'gauge', 'sys_scrape_collector_duration_seconds', 'seconds', ['Collector time',
  'Time the collector took in the served collection, in seconds.',
  '采集模块耗时', '本次返回的采集结果中，该采集模块的采集耗时（秒）。'], ['collector']);
export const COLLECTOR_ERRORS = def('exporter', 'counter', 'sys_scrape_collector_errors_total', '', ['Collector errs',
  'Collections in which the collector failed or missed its deadline, since the exporter started.',
  '采集模块失败次数', '每个采集周期内该采集模块失败或超时的次数（差值）。'], ['collector']);
export const SNAPSHOT_AGE = def('exporter', 'gauge', 'sys_exporter_snapshot_age_seconds', 'seconds', ['Snapshot age',
  'Age of the served collection in seconds (near 0 when collecting on each scrape).',
  '数据时延', '返回的采集结果距今的秒数，正常接近 0。']);
export const BUILD_INFO = def('exporter', 'gauge', 'sys_exporter_build_info', '', ['Build info',
  'A metric with a constant value 1, labelled by the version and revision of sys-exporter, the runtime it runs on (node or bun) with the Node.js version it provides, and the platform.',
  '版本信息', '恒为 1，维度为 sys-exporter 的版本、修订号、所用运行时（node 或 bun）及其提供的 Node.js 版本、平台与架构。'],
  ['version', 'revision', 'nodejs_version', 'runtime', 'platform', 'arch']);

// Standard process metrics (client_golang's and prom-client's names), read by
// src/collectors/process.ts; a test checks that it emits exactly these on each platform.
export const PROCESS_CPU_USER = def('process', 'counter', 'process_cpu_user_seconds_total', 'seconds', ['CPU user',
  'Total user CPU time spent by the exporter in seconds.',
  '用户态 CPU 时间', '每个采集周期内 Exporter 进程消耗的用户态 CPU 时间（秒，差值）。']);
export const PROCESS_CPU_SYSTEM = def('process', 'counter', 'process_cpu_system_seconds_total', 'seconds', ['CPU system',
  'Total system CPU time spent by the exporter in seconds.',
  '内核态 CPU 时间', '每个采集周期内 Exporter 进程消耗的内核态 CPU 时间（秒，差值）。']);
export const PROCESS_CPU = def('process', 'counter', 'process_cpu_seconds_total', 'seconds', ['CPU total',
  'Total user and system CPU time spent by the exporter in seconds.',
  'CPU 总时间', '每个采集周期内 Exporter 进程消耗的用户态与内核态 CPU 时间（秒，差值）。']);
export const PROCESS_START_TIME = def('process', 'gauge', 'process_start_time_seconds', 'seconds', ['Start time',
  'Start time of the exporter process since the Unix epoch in seconds.',
  '启动时间', 'Exporter 进程的启动时间（Unix 时间戳，秒）。']);
export const PROCESS_RSS = def('process', 'gauge', 'process_resident_memory_bytes', 'bytes', ['Exporter RSS',
  'Resident memory size of the exporter process in bytes.',
  '常驻内存', 'Exporter 进程的常驻内存（字节）。']);
export const PROCESS_VSZ = def('process', 'gauge', 'process_virtual_memory_bytes', 'bytes', ['Exporter VSZ',
  'Virtual memory size of the exporter process in bytes.',
  '虚拟内存', 'Exporter 进程的虚拟内存大小（字节）。'], [], LINUX_ONLY);
export const PROCESS_HEAP = def('process', 'gauge', 'process_heap_bytes', 'bytes', ['Exporter heap',
  'Data segment size (VmData) of the exporter process in bytes.',
  '数据段大小', 'Exporter 进程的数据段大小 VmData（字节）。'], [], LINUX_ONLY);
export const PROCESS_OPEN_FDS = def('process', 'gauge', 'process_open_fds', '', ['Open fds',
  'Number of open file descriptors of the exporter process.',
  '打开的文件描述符数', 'Exporter 进程打开的文件描述符数。'], [], LINUX_ONLY);
export const PROCESS_MAX_FDS = def('process', 'gauge', 'process_max_fds', '', ['Max fds',
  'Maximum number of open file descriptors of the exporter process.',
  '文件描述符上限', 'Exporter 进程可打开的文件描述符数上限。'], [], LINUX_ONLY);

/** What BlueKing shows for each label of the exporter's own families. */
const EXPORTER_LABEL_TEXT: Readonly<Record<string, Texts15>> = {
  collector: { en: 'Collector', zh: '采集模块' },
  wmi_query: { en: 'WMI query', zh: 'WMI 查询' },
  version: { en: 'Version', zh: '版本' },
  revision: { en: 'Revision', zh: '修订号' },
  nodejs_version: { en: 'Node.js version', zh: 'Node.js 版本' },
  runtime: { en: 'Runtime', zh: '运行时' },
  platform: { en: 'Platform', zh: '平台' },
  arch: { en: 'Architecture', zh: '架构' },
};

const EXPORTER_FAMILIES = [COLLECTOR_SUCCESS, COLLECTOR_DURATION, COLLECTOR_ERRORS, SNAPSHOT_AGE, WMI_UP, BUILD_INFO];
export const PROCESS_FAMILIES = [
  PROCESS_CPU_USER, PROCESS_CPU_SYSTEM, PROCESS_CPU, PROCESS_START_TIME, PROCESS_RSS, PROCESS_VSZ,
  PROCESS_HEAP, PROCESS_OPEN_FDS, PROCESS_MAX_FDS,
];

export interface Catalog {
  /** Every family, in exposition order: the collectors' in registry order, then the exporter's. */
  readonly families: readonly MetricDef[];
  /** What BlueKing shows for each label (a dimension there). */
  readonly labelText: Readonly<Record<string, Texts15>>;
  /** What BlueKing shows for each group of families (a table there). */
  readonly sourceText: Readonly<Record<string, Texts15>>;
}

/** The catalog of a set of collector modules (the registry's, or a test's). */
export function catalogOf(modules: readonly CollectorModule[]): Catalog {
  const families = [...modules.flatMap((m) => m.families), ...EXPORTER_FAMILIES, ...PROCESS_FAMILIES];
  for (const m of modules) {
    for (const f of m.families) if (f.source !== m.name) throw new Error(`${f.name} is declared for ${f.source}, not for the ${m.name} collector`);
  }
  const labelText: Record<string, Texts15> = { ...EXPORTER_LABEL_TEXT };
  for (const m of modules) Object.assign(labelText, m.labelText ?? {});
  const sourceText: Record<string, Texts15> = Object.fromEntries(modules.map((m) => [m.name, m.title]));
  sourceText.exporter = { en: 'Scrape health', zh: '采集状态' };
  sourceText.process = { en: 'Exporter proc', zh: 'Exporter 进程' };
  for (const f of families) for (const l of f.labels) if (!labelText[l]) throw new Error(`label ${l} of ${f.name} has no text`);
  return Object.freeze({ families: Object.freeze(families), labelText, sourceText });
}

const REGISTRY_CATALOG = catalogOf(COLLECTORS);
/** Every family, in exposition order. */
export const CATALOG: readonly MetricDef[] = REGISTRY_CATALOG.families;
export const LABEL_TEXT = REGISTRY_CATALOG.labelText;
export const SOURCE_TEXT = REGISTRY_CATALOG.sourceText;

/** The families a build for `platform` can emit (what its BlueKing metrics.json lists). */
export function familiesFor(platform: NodeJS.Platform): MetricDef[] {
  return CATALOG.filter((d) => emittedOn(d, platform));
}

export type { Lang };
