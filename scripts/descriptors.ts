// BlueKing descriptors, generated from the exporter's own metric catalog and flag table: what
// the exporter emits on an OS is what metrics.json lists for it, nothing more or less.
import { DEFAULT_PORT, FLAGS } from '../src/cli';
import { COLLECTOR_NAMES } from '../src/collectors/collector';
import { familiesFor, type MetricDef, type Source, type Unit } from '../src/metrics/catalog';
import { VERSION } from '../src/version';

export type Os = 'linux' | 'windows';
export const PLATFORM: Record<Os, NodeJS.Platform> = { linux: 'linux', windows: 'win32' };

export const PLUGIN_ID = 'sys_exporter';
export const NAME_51 = 'sysexporter';
export const DISPLAY_NAME = 'sys-exporter';

/** BlueKing's unit ids for our base units. */
const UNITS: Record<Unit, string> = { bytes: 'bytes', seconds: 's', ratio: 'percentunit', '': 'none' };

const GROUPS: Record<Source, { table: string; desc: string }> = {
  memory: { table: 'memory', desc: 'Memory' },
  disk: { table: 'disk', desc: 'Disk usage' },
  exporter: { table: 'exporter', desc: 'Scrape health' },
  process: { table: 'process', desc: 'Exporter proc' },
};

const LABEL_DESC: Record<string, string> = {
  device: 'Device',
  fstype: 'FS type',
  mountpoint: 'Mount point',
  collector: 'Collector',
  version: 'Version',
  revision: 'Revision',
  nodejs_version: 'Node.js version',
  platform: 'Platform',
  arch: 'Architecture',
};

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
 * metrics.json for one OS. `flavour` picks the number types: 5.1 knows long/double, bk-monitor
 * int/double. Counters are marked is_diff_metric so the agent sends deltas.
 */
export function metricsJson(os: Os, flavour: '5.1' | 'bkmonitor'): MetricTable[] {
  const integer = flavour === '5.1' ? 'long' : 'int';
  const tables = new Map<Source, MetricTable>();
  for (const d of familiesFor(PLATFORM[os])) {
    const g = GROUPS[d.source];
    let t = tables.get(d.source);
    if (!t) tables.set(d.source, (t = { table_name: g.table, table_desc: g.desc, fields: [] }));
    t.fields.push(metricField(d, integer));
    for (const l of d.labels) {
      if (t.fields.some((f) => f.name === l)) continue;
      t.fields.push({ name: l, type: 'string', monitor_type: 'dimension', unit: '', description: LABEL_DESC[l] ?? l });
    }
  }
  return [...tables.values()];
}

function metricField(d: MetricDef, integer: string): Field {
  // Event counters are whole numbers; everything else (gauges, CPU seconds) may be fractional.
  const whole = d.type === 'counter' && d.unit !== 'seconds';
  const f: Field = { name: d.name, type: whole ? integer : 'double', monitor_type: 'metric', unit: UNITS[d.unit], description: d.short };
  if (d.type === 'counter') f.is_diff_metric = true;
  return f;
}

const flag = (name: string) => {
  const f = FLAGS.find((x) => x.name === name);
  if (!f) throw new Error(`no flag ${name}`);
  return f;
};

/** Parameters a user may set in BlueKing, with the exporter's own defaults. */
const EXPOSED = ['web.telemetry-path', 'collector.disk.mount-points-exclude'] as const;

/** 5.1 config_schema.json: names starting with -- are rendered --name=value. */
export function configSchema51(): Array<Record<string, string>> {
  return [
    { name: '_exporter_url_', mode: 'collector', type: 'text', description: 'URL the agent scrapes', default: `http://127.0.0.1:${DEFAULT_PORT}${flag('web.telemetry-path').defaultText}` },
    { name: '--web.listen-address', mode: 'cmd', type: 'text', description: 'Listen address (loopback)', default: `127.0.0.1:${DEFAULT_PORT}` },
    ...EXPOSED.map((n) => ({ name: `--${n}`, mode: 'cmd', type: 'text', description: short(flag(n).help), default: flag(n).defaultText ?? '' })),
    ...COLLECTOR_NAMES.map((c) => ({ name: `--collector.${c}`, mode: 'cmd', type: 'text', description: `Enable ${c} collector (true/false)`, default: 'true' })),
  ];
}

/** bk-monitor config.json: hidden host/port, and a parameter whose default holds both. */
export function configJson(): Array<Record<string, unknown>> {
  return [
    { name: 'host', mode: 'collector', type: 'text', description: 'Listen host', default: '127.0.0.1', visible: false },
    { name: 'port', mode: 'collector', type: 'text', description: 'Listen port', default: String(DEFAULT_PORT), visible: false },
    { name: '--web.listen-address', mode: 'opt_cmd', type: 'text', description: 'Listen address', default: '${host}:${port}', required: true },
    ...EXPOSED.map((n) => ({ name: `--${n}`, mode: 'opt_cmd', type: 'text', description: short(flag(n).help), default: flag(n).defaultText ?? '' })),
    // A switch renders its name when true: the collectors are on by default, so the switch
    // offered is the one that turns them off.
    ...COLLECTOR_NAMES.map((c) => ({ name: `--no-collector.${c}`, mode: 'opt_cmd', type: 'switch', description: `Disable the ${c} collector`, default: 'false' })),
  ];
}

/** BlueKing 5.1 limits descriptions to 50 characters. */
function short(help: string): string {
  const first = help.split(/[.;(]/)[0].trim();
  return first.length <= 50 ? first : `${first.slice(0, 47)}...`;
}

export function info51(): Record<string, string> {
  return { name: NAME_51, display_name: DISPLAY_NAME, supported_version: VERSION };
}

export function metaYaml(): string {
  return [
    `plugin_id: ${PLUGIN_ID}`,
    `plugin_display_name: ${DISPLAY_NAME}`,
    'plugin_type: Exporter',
    'tag: host',
    'label: os',
    'is_support_remote: false',
    '',
  ].join('\n');
}

/** "major.minor", as bk-monitor's VERSION file wants it. */
export function bkVersion(): string {
  const [major, minor] = VERSION.split('.');
  return `${major}.${minor}`;
}

export function releaseMd(): string {
  return `sys-exporter ${VERSION}: memory, disk and scrape health for Linux and Windows hosts.\n`;
}

export function descriptionMd(os: Os): string {
  const fams = familiesFor(PLATFORM[os]);
  return [
    `# ${DISPLAY_NAME} ${VERSION}`,
    '',
    'Host metrics exporter: memory, disk usage per mount point, and the health of each collector.',
    'Scrapes answer in bounded time even when a mount hangs (that mount reports sys_disk_device_error 1).',
    '',
    `Listens on 127.0.0.1:${DEFAULT_PORT}${flag('web.telemetry-path').defaultText} by default.`,
    '',
    '## Metrics',
    '',
    ...fams.map((d) => `- \`${d.name}\` (${d.type}${d.unit ? `, ${d.unit}` : ''}): ${d.help}`),
    '',
  ].join('\n');
}
