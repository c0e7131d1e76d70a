// BlueKing descriptors, generated from the exporter's own metric catalog and flag table, in
// Chinese (BlueKing's users' language, the default) or English.
//
// bk-monitor's importer keeps one copy of each info/ file for the whole plugin (the last one in
// archive order), so every descriptor here is the same for both OSes: metrics.json lists every
// family (one that an OS does not emit simply has no data there) and description.md says which
// OS emits what.
import { DEFAULT_PORT, flagsOf, type FlagSpec } from '../src/cli';
import type { CollectorModule } from '../src/collectors/module';
import { COLLECTORS } from '../src/collectors/registry';
import { CATALOG, catalogOf, type Lang, type MetricDef, type Source, type Unit } from '../src/metrics/catalog';
import { VERSION } from '../src/version';

export type Os = 'linux' | 'windows';
export const PLATFORM: Record<Os, NodeJS.Platform> = { linux: 'linux', windows: 'win32' };

export const PLUGIN_ID = 'sys_exporter';
export const NAME_51 = 'sysexporter';
export const DISPLAY_NAME: Record<Lang, string> = { zh: 'sys-exporter 主机指标', en: 'sys-exporter host metrics' };

/** The path bk-monitor always scrapes (manager/exporter.py builds `${host}:${port}/metrics`). */
export const SCRAPE_PATH = '/metrics';

/** BlueKing's unit ids for our base units. */
const UNITS: Record<Unit, string> = { bytes: 'bytes', seconds: 's', ratio: 'percentunit', '': 'none' };

export interface Field {
  name: string;
  type: string;
  monitor_type: 'metric' | 'dimension';
  unit: string;
  description: string;
  is_diff_metric?: boolean;
}

export interface MetricTable {
  table_name: string;
  table_desc: string;
  fields: Field[];
}

/**
 * metrics.json, the same for every OS. `flavour` picks the number types: 5.1 knows long/double,
 * bk-monitor int/double. Counters are marked is_diff_metric so the agent sends deltas.
 */
export function metricsJson(flavour: '5.1' | 'bkmonitor', lang: Lang, modules: readonly CollectorModule[] = COLLECTORS): MetricTable[] {
  const integer = flavour === '5.1' ? 'long' : 'int';
  const cat = catalogOf(modules);
  const tables = new Map<Source, MetricTable>();
  for (const d of cat.families) {
    let t = tables.get(d.source);
    if (!t) tables.set(d.source, (t = { table_name: d.source, table_desc: cat.sourceText[d.source][lang], fields: [] }));
    t.fields.push(metricField(d, integer, lang));
    for (const l of d.labels) {
      if (t.fields.some((f) => f.name === l)) continue;
      t.fields.push({ name: l, type: 'string', monitor_type: 'dimension', unit: '', description: cat.labelText[l][lang] });
    }
  }
  return [...tables.values()];
}

function metricField(d: MetricDef, integer: string, lang: Lang): Field {
  // Event counters are whole numbers; everything else (gauges, CPU seconds) may be fractional.
  const whole = d.type === 'counter' && d.unit !== 'seconds';
  const f: Field = { name: d.name, type: whole ? integer : 'double', monitor_type: 'metric', unit: UNITS[d.unit], description: d.text[lang].short };
  if (d.type === 'counter') f.is_diff_metric = true;
  return f;
}

/** A flag of the exporter built from `modules`, by name. */
function flagIn(modules: readonly CollectorModule[]): (name: string) => FlagSpec {
  const flags = flagsOf(modules);
  return (name) => {
    const f = flags.find((x) => x.name === name);
    if (!f) throw new Error(`no flag ${name}`);
    return f;
  };
}

/**
 * The settings offered in the platform's form, besides the listen address and the collector
 * switches: the collectors' flags that declare a form text, all lists whose values survive both
 * start templates (see the flags' parsers). The regular expressions and the telemetry path are
 * not offered: a regex's | ^ ( ) break cmd.exe's start line, and the platform always scrapes
 * /metrics.
 */
const formLists = (modules: readonly CollectorModule[]): string[] => modules.flatMap((m) => m.flags.filter((f) => f.form).map((f) => f.name));

/** A switch that turns a collector off, from the collector's form text ("The disk collector"). */
const off = (lang: Lang, form: string): string => (lang === 'zh' ? `关闭${form}` : `Turn off ${form[0].toLowerCase()}${form.slice(1)}`);
const LOOPBACK_NOTE: Record<Lang, string> = { zh: '（仅本机）', en: ' (loopback)' };
const URL_DESC: Record<Lang, string> = { zh: '监控平台拉取指标的地址', en: 'URL the agent scrapes' };
const BOOL_NOTE: Record<Lang, string> = { zh: '（true/false）', en: ' (true/false)' };

/** 5.1 config_schema.json: names starting with -- are rendered --name=value. */
export function configSchema51(lang: Lang, modules: readonly CollectorModule[] = COLLECTORS): Array<Record<string, string>> {
  const flag = flagIn(modules);
  const listen = flag('web.listen-address');
  return [
    { name: '_exporter_url_', mode: 'collector', type: 'text', description: URL_DESC[lang], default: `http://127.0.0.1:${DEFAULT_PORT}${SCRAPE_PATH}` },
    { name: `--${listen.name}`, mode: 'cmd', type: 'text', description: `${listen.form![lang]}${LOOPBACK_NOTE[lang]}`, default: `127.0.0.1:${DEFAULT_PORT}` },
    ...formLists(modules).map((n) => ({ name: `--${n}`, mode: 'cmd', type: 'text', description: flag(n).form![lang], default: '' })),
    ...modules.map(({ name: c, defaultEnabled }) => ({ name: `--collector.${c}`, mode: 'cmd', type: 'text', description: `${flag(`collector.${c}`).form![lang]}${BOOL_NOTE[lang]}`, default: String(defaultEnabled) })),
  ];
}

/** bk-monitor config.json: hidden host/port, and a parameter whose default holds both. */
export function configJson(lang: Lang, modules: readonly CollectorModule[] = COLLECTORS): Array<Record<string, unknown>> {
  const flag = flagIn(modules);
  const listen = flag('web.listen-address');
  const [host, port] = lang === 'zh' ? ['监听主机', '监听端口'] : ['Listen host', 'Listen port'];
  return [
    { name: 'host', alias: host, mode: 'collector', type: 'text', description: host, default: '127.0.0.1', visible: false },
    { name: 'port', alias: port, mode: 'collector', type: 'text', description: port, default: String(DEFAULT_PORT), visible: false },
    { name: `--${listen.name}`, alias: listen.alias![lang], mode: 'opt_cmd', type: 'text', description: listen.form![lang], default: '${host}:${port}', required: true },
    ...formLists(modules).map((n) => ({ name: `--${n}`, alias: flag(n).alias![lang], mode: 'opt_cmd', type: 'text', description: flag(n).form![lang], default: '' })),
    // A switch renders its name when true: for a collector on by default the switch offered is
    // the one that turns it off, for one off by default the one that turns it on.
    ...modules.map(({ name: c, defaultEnabled, noun }) =>
      defaultEnabled
        ? { name: `--no-collector.${c}`, alias: lang === 'zh' ? `关闭${noun.zh}采集` : `Turn off ${noun.en}`, mode: 'opt_cmd', type: 'switch', description: off(lang, flag(`collector.${c}`).form![lang]), default: 'false' }
        : { name: `--collector.${c}`, alias: flag(`collector.${c}`).alias![lang], mode: 'opt_cmd', type: 'switch', description: flag(`collector.${c}`).form![lang], default: 'false' }),
  ];
}

export function info51(lang: Lang): Record<string, string> {
  return { name: NAME_51, display_name: DISPLAY_NAME[lang], supported_version: VERSION };
}

export function metaYaml(lang: Lang): string {
  return [
    `plugin_id: ${PLUGIN_ID}`,
    `plugin_display_name: ${DISPLAY_NAME[lang]}`,
    'plugin_type: Exporter',
    'tag: host',
    'label: os',
    'is_support_remote: false',
    '',
  ].join('\n');
}

/** "major.minor", as bk-monitor's VERSION file wants it (a major of 0 reads as "not set"). */
export function bkVersion(): string {
  const [major, minor] = VERSION.split('.');
  return `${major}.${minor}`;
}

export function releaseMd(lang: Lang): string {
  return lang === 'zh'
    ? `sys-exporter ${VERSION}：Linux 与 Windows 主机的内存、磁盘和采集健康指标。\n`
    : `sys-exporter ${VERSION}: memory, disk and scrape health for Linux and Windows hosts.\n`;
}

const OS_NAME: Record<Os, string> = { linux: 'Linux', windows: 'Windows' };

function metricLines(lang: Lang): string[] {
  return CATALOG.map((d) => {
    const oses = d.platforms ? (Object.keys(PLATFORM) as Os[]).filter((o) => d.platforms!.includes(PLATFORM[o])).map((o) => OS_NAME[o]).join(lang === 'zh' ? '、' : ', ') : '';
    const where = !d.platforms ? '' : lang === 'zh' ? `（仅 ${oses}）` : ` (${oses} only)`;
    return `- \`${d.name}\`${where}${lang === 'zh' ? '：' : ': '}${d.text[lang].help}`;
  });
}

/**
 * What operators compare our figures with: bkmonitorbeat's built-in host metrics (BKDocs,
 * Monitor 3.8, host_metrics.md), one line each, in both languages.
 */
export const BUILTIN: ReadonlyArray<Readonly<Record<Lang, string>>> = [
  { zh: '`sys_memory_available_bytes` 即“应用程序内存可用量”（mem.usable）；`sys_memory_used_bytes` 即“应用程序内存使用量”（mem.used），而非“物理内存已用量”（mem.psc_used，物理内存总大小减物理内存空闲量 mem.free，含缓存，通常更大）；`sys_memory_used_ratio` 是 0 到 1 的比例，“应用程序内存使用占比”（mem.pct_used）是同一比例的百分数。',
    en: '`sys_memory_available_bytes` is "mem.usable"; `sys_memory_used_bytes` is "mem.used" (total minus available), not "mem.psc_used" (total minus mem.free, page cache included, usually larger); `sys_memory_used_ratio` is 0 to 1 where "mem.pct_used" is the same share in percent.' },
  { zh: 'Linux 上 `sys_disk_available_bytes` 即“磁盘空闲大小”（disk.free，普通用户可用），`sys_disk_free_bytes` 还含为 root 保留的部分（ext4 默认 5%），大于或等于 disk.free；Windows 上 disk.free 为卷上全部空闲空间，对应 `sys_disk_free_bytes`（未启用磁盘配额时两者相同）。`sys_disk_size_bytes`、`sys_disk_used_bytes` 即“磁盘总空间大小”（disk.total）、“磁盘已用空间大小”（disk.used）。',
    en: 'On Linux `sys_disk_available_bytes` is "disk.free" (what unprivileged users may use), and `sys_disk_free_bytes` also counts root\'s reserve (5% by default on ext4), so it is larger or equal; on Windows disk.free is all free space on the volume, `sys_disk_free_bytes` (the same as available without disk quotas). `sys_disk_size_bytes` and `sys_disk_used_bytes` are disk.total and disk.used.' },
  { zh: 'Linux 上 `sys_swap_total_bytes`、`sys_swap_free_bytes` 即“SWAP 总量”（swap.total）、“SWAP 空闲量”（swap.free）；Windows 上为页面文件，蓝鲸内置无对应指标。',
    en: 'On Linux `sys_swap_total_bytes` and `sys_swap_free_bytes` are swap.total and swap.free; on Windows they are the page files, which the built-in metrics do not report.' },
];
const builtinLines = (lang: Lang): string[] => BUILTIN.map((b) => `- ${b[lang]}`);

function descriptionPart(lang: Lang): string[] {
  const listen = `127.0.0.1:${DEFAULT_PORT}${SCRAPE_PATH}`;
  if (lang === 'zh') {
    return [
      `# ${DISPLAY_NAME.zh} ${VERSION}`,
      '',
      'Linux 与 Windows 主机指标 Exporter：内存、各挂载点的磁盘空间，以及每个采集模块的采集状态。即使某个挂载点挂起（如 NFS 服务器失联），每次采集仍会在超时时间内返回，并将该挂载点的 sys_disk_device_error 置为 1。',
      '',
      `默认监听 ${listen}。`,
      '',
      '## 参数',
      '',
      `- 监听地址：IP:端口，默认 127.0.0.1:${DEFAULT_PORT}（仅本机）；平台按此地址拉取，请勿修改。`,
      '- 不采集的挂载点：逗号分隔，含其下级目录，如 `/mnt/backup,/data/tmp`；Windows 写作 `D:` 或 `D:/mnt`。空格等其他字符写作 %XX（空格为 %20）。',
      '- 不采集的文件系统类型：逗号分隔，如 `nfs,nfs4,cifs`（NFSv4 挂载的类型是 nfs4）；Windows 如 `FAT32`。',
      '- 关闭内存采集 / 关闭磁盘采集：开关。',
      '',
      '## 与蓝鲸内置主机指标的对应',
      '',
      ...builtinLines('zh'),
      '',
      '## 指标',
      '',
      ...metricLines('zh'),
      '',
    ];
  }
  return [
    `# ${DISPLAY_NAME.en} ${VERSION}`,
    '',
    'Exporter of Linux and Windows host metrics: memory, disk usage per mount point, and the health of each collector. Every collection answers in bounded time even when a mount hangs (a dead NFS server, say): that mount reports sys_disk_device_error 1.',
    '',
    `Listens on ${listen} by default.`,
    '',
    '## Parameters',
    '',
    `- Listen address: IP:port, 127.0.0.1:${DEFAULT_PORT} (this host only) by default; the platform scrapes that address: leave it as it is.`,
    '- Skip mount points: comma-separated, each with everything below it, e.g. `/mnt/backup,/data/tmp`; on Windows `D:` or `D:/mnt`. Write other characters such as a space as %XX (%20).',
    '- Skip FS types: comma-separated, e.g. `nfs,nfs4,cifs`; on Windows `FAT32`.',
    '- Turn off memory / disk collector: switches.',
    '',
    '## Next to BlueKing\'s built-in host metrics',
    '',
    ...builtinLines('en'),
    '',
    '## Metrics',
    '',
    ...metricLines('en'),
    '',
  ];
}

/** description.md: Chinese first, then English, for the zh build; English alone for the en build. */
export function descriptionMd(lang: Lang): string {
  return (lang === 'zh' ? [...descriptionPart('zh'), '---', '', ...descriptionPart('en')] : descriptionPart('en')).join('\n');
}
