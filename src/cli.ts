import { isIP } from 'node:net';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COLLECTOR_NAMES, type CollectorName } from './collectors/collector';
import {
  DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, WINDOWS_DRIVE_TYPES_EXCLUDE, WINDOWS_FS_TYPES_EXCLUDE, WINDOWS_MOUNT_POINTS_EXCLUDE,
} from './collectors/disk';
import type { Pattern } from './collectors/disk/mounts_linux';
import { formatDuration, parseDuration } from './duration';
import type { Lang } from './metrics/catalog';
import { readBounded } from './read_file';
import { errorMessage, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log';
import { REVISION, RUNTIME, VERSION } from './version';

export interface ListenAddress {
  /** undefined: every interface (IPv6 and IPv4, as Node's listen() without a host). */
  readonly host: string | undefined;
  readonly port: number;
}

export interface Config {
  readonly listenAddresses: readonly ListenAddress[];
  readonly telemetryPath: string;
  readonly maxRequests: number;
  readonly collectors: Readonly<Record<CollectorName, boolean>>;
  readonly mountPointsExclude: Pattern;
  readonly fsTypesExclude: Pattern;
  /** Windows only. */
  readonly driveTypesExclude: Pattern;
  readonly skipMountPoints: readonly string[];
  readonly skipFsTypes: readonly string[];
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly procfs: string;
  readonly rootfs: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly configFile: string | undefined;
  readonly webConfigFile: string | undefined;
  readonly disableExporterMetrics: boolean;
}

/** A bad command line or config file: reported on one line, exit code 2. */
export class UsageError extends Error {}

/** What `main` should do after parsing. */
export type CliResult = { kind: 'run'; config: Config } | { kind: 'exit'; code: number; output: string };

export function parseListenAddress(s: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new InvalidArgumentError(`"${s}" is not host:port (e.g. :9601, 127.0.0.1:9601, [::1]:9601)`);
  const port = Number(m[3]);
  if (port > 65535) throw new InvalidArgumentError(`port ${port} in "${s}" is out of range`);
  const v6 = m[1];
  const host = v6 ?? m[2];
  if (v6 !== undefined && isIP(v6.replace(/%.*$/, '')) !== 6) {
    throw new InvalidArgumentError(`"${v6}" in "${s}" is not an IPv6 address`);
  }
  if (v6 === undefined && host !== '' && isIP(host) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(host)) {
    throw new InvalidArgumentError(`"${host}" in "${s}" is not a host name or IP address`);
  }
  return { host: host === '' ? undefined : host, port };
}

export function formatListenAddress(a: ListenAddress): string {
  if (a.host === undefined) return `:${a.port}`;
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const MAX_DURATION_MS = 24 * 24 * 3600e3;

function duration(min: number): (v: string) => number {
  return (v) => {
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
    if (ms < min) throw new InvalidArgumentError(`"${v}" must be at least ${formatDuration(min)}`);
    // Node's timers hold at most 2^31 - 1 ms; a longer one fires at once, every time.
    if (ms > MAX_DURATION_MS) throw new InvalidArgumentError(`"${v}" must be at most 24d`);
    return ms;
  };
}

/**
 * A user's exclude pattern, matched as node_exporter matches it: Go's RE2 syntax
 * ([[:digit:]], \z, \Q..\E, (?i)) in linear time, so no pattern can freeze the event loop
 * (JavaScript's backtracking engine took 105 s on ^/x/(a+)+$ against a 35-character path).
 * The built-in defaults are plain alternations, matched with RegExp: a host on defaults never
 * loads the RE2 engine.
 */
const BUILT_IN_PATTERNS = new Set([
  DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_FS_TYPES_EXCLUDE, WINDOWS_MOUNT_POINTS_EXCLUDE, WINDOWS_FS_TYPES_EXCLUDE, WINDOWS_DRIVE_TYPES_EXCLUDE,
]);

function regex(v: string): Pattern {
  if (BUILT_IN_PATTERNS.has(v)) return new RegExp(v);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RE2JS } = require('re2js') as typeof import('re2js');
  try {
    const re = RE2JS.compile(v);
    return { test: (s: string) => re.matcher(s).find(), source: v };
  } catch (err) {
    throw new InvalidArgumentError(`invalid regular expression (RE2 syntax, as node_exporter's): ${errorMessage(err)}`);
  }
}

/**
 * A comma-separated list typed into a form (BlueKing renders it onto a shell or cmd.exe line):
 * only letters, digits and / . _ : , % - and + pass through both templates unharmed, so other
 * characters are written as %XX (a space is %20). Empty items are dropped.
 */
function formList(what: string, item: RegExp, v: string): string[] {
  const out: string[] = [];
  for (const raw of v.split(',')) {
    if (raw.trim() === '') continue;
    let s: string;
    try {
      s = decodeURIComponent(raw.trim());
    } catch {
      throw new InvalidArgumentError(`"${raw}" in "${v}" has a malformed %XX escape`);
    }
    if (!item.test(s)) throw new InvalidArgumentError(`"${s}" in "${v}" is not ${what}`);
    out.push(s);
  }
  return out;
}

/** Mount points: absolute paths, "/" style, also on Windows (D:/data for D:\\data). */
export function mountPointList(v: string): string[] {
  return formList('a mount point (/data, D:, D:/data)', /^(\/|[A-Za-z]:)/, v).map((p) => (p.length > 1 ? p.replace(/[/\\]+$/, '') || '/' : p));
}

export function fsTypeList(v: string): string[] {
  return formList('a filesystem type (ext4, nfs4, fuse.sshfs, NTFS)', /^[A-Za-z0-9_.+-]+$/, v);
}

function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`"${v}" is not a whole number >= 0`);
  return Number(v);
}

/** Switches also take an explicit value, as kingpin's do: `--collector.disk=false` (BlueKing 5.1 renders `--name=value`). */
function bool(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError(`"${v}" is not true or false`);
}

function telemetryPath(v: string): string {
  if (!v.startsWith('/') || v === '/' || /\s|[?#]/.test(v)) {
    throw new InvalidArgumentError(`"${v}" must be a path starting with "/" (not "/" itself), without spaces, "?" or "#"`);
  }
  return v;
}

/**
 * One flag: its name (without `--`), what it takes, and how a value is checked. The same table
 * drives commander, the config file's keys and (later) the packaging descriptors.
 */
export interface FlagSpec {
  readonly name: string;
  /** `<placeholder>` for flags taking a value; undefined for switches. */
  readonly arg?: string;
  readonly help: string;
  /** The default as a user would write it (shown in --help and the descriptors). */
  readonly defaultText?: string;
  /** The default on Windows, where it differs. */
  readonly windowsDefault?: string;
  /** The platforms the flag means something on; undefined: all. Elsewhere it is refused and not shown. */
  readonly platforms?: readonly NodeJS.Platform[];
  readonly parse?: (v: string) => unknown;
  readonly repeatable?: boolean;
  readonly choices?: readonly string[];
  /** Switches that also have a --no-<name> form (collectors). */
  readonly negatable?: boolean;
  /** What the BlueKing form says of it, at most 50 characters; flags without one are not offered there. */
  readonly form?: Readonly<Record<Lang, string>>;
}

export const DEFAULT_PORT = 9601;
const COLLECTOR_ZH: Record<CollectorName, string> = { memory: '内存', disk: '磁盘' };
const DEFAULT_TIMEOUT = '5s';

export const FLAGS: readonly FlagSpec[] = [
  { name: 'web.listen-address', arg: '<address>', repeatable: true, defaultText: `:${DEFAULT_PORT}`, parse: parseListenAddress,
    help: 'Address to listen on for metrics and the landing page; repeat for several. ":port" means every interface.',
    form: { en: 'Listen address (IP:port)', zh: '监听地址（IP:端口）' } },
  { name: 'web.telemetry-path', arg: '<path>', defaultText: '/metrics', parse: telemetryPath, help: 'Path under which to expose metrics.' },
  { name: 'web.config.file', arg: '<file>',
    help: 'Web configuration file (exporter-toolkit format): TLS, client certificates, basic auth, extra headers. Re-read when it changes.' },
  { name: 'web.disable-exporter-metrics', help: "Leave out the exporter's own process_* metrics, as node_exporter's flag of that name does." },
  { name: 'web.max-requests', arg: '<n>', defaultText: '40', parse: nonNegativeInt,
    help: 'Maximum number of scrapes served at once; more get 503. 0 means no limit.' },
  ...COLLECTOR_NAMES.map((c): FlagSpec => ({
    name: `collector.${c}`, negatable: true, help: `Enable the ${c} collector (default: enabled; --no-collector.${c} disables it).`,
    form: { en: `The ${c} collector`, zh: `${COLLECTOR_ZH[c]}采集` },
  })),
  { name: 'collector.disable-defaults', help: 'Disable every collector not enabled explicitly with --collector.<name>.' },
  { name: 'collector.disk.mount-points-exclude', arg: '<regex>', defaultText: DEFAULT_MOUNT_POINTS_EXCLUDE, windowsDefault: WINDOWS_MOUNT_POINTS_EXCLUDE, parse: regex,
    help: 'Regular expression of mount points to leave out.' },
  { name: 'collector.disk.fs-types-exclude', arg: '<regex>', defaultText: DEFAULT_FS_TYPES_EXCLUDE, windowsDefault: WINDOWS_FS_TYPES_EXCLUDE, parse: regex,
    help: 'Regular expression of filesystem types to leave out.' },
  { name: 'collector.disk.drive-types-exclude', arg: '<regex>', defaultText: WINDOWS_DRIVE_TYPES_EXCLUDE, parse: regex, platforms: ['win32'],
    help: 'Regular expression of drive types to leave out: unknown, no_root_dir, removable, fixed, remote, cdrom, ramdisk.' },
  { name: 'collector.disk.skip-mount-points', arg: '<list>', defaultText: '', parse: mountPointList,
    help: 'Comma-separated mount points to leave out, with everything mounted below them (e.g. /mnt/backup,/data/tmp; D:,E:/mnt on Windows), on top of the exclude regex. Write other characters than letters, digits and /._:+- as %XX (a space is %20).',
    form: { en: 'Mount points to skip (and below): /mnt/a,/data', zh: '不采集的挂载点（含其下级），逗号分隔，如 /mnt/a,/data' } },
  { name: 'collector.disk.skip-fs-types', arg: '<list>', defaultText: '', parse: fsTypeList,
    help: 'Comma-separated filesystem types to leave out (e.g. nfs,nfs4,cifs,tmpfs), on top of the exclude regex.',
    form: { en: 'Filesystem types to skip: nfs,cifs', zh: '不采集的文件系统类型，逗号分隔，如 nfs,cifs' } },
  { name: 'collector.timeout', arg: '<duration>', defaultText: DEFAULT_TIMEOUT, parse: duration(1),
    help: 'Deadline of each collector in one scrape (lowered by X-Prometheus-Scrape-Timeout-Seconds).' },
  { name: 'collection.interval', arg: '<duration>', defaultText: '0', parse: duration(0),
    help: 'Collect in the background at this interval and serve the latest snapshot; 0 collects on each scrape.' },
  { name: 'path.procfs', arg: '<path>', defaultText: '/proc', platforms: ['linux'], help: 'procfs mount point.' },
  { name: 'path.rootfs', arg: '<path>', defaultText: '/', platforms: ['linux'], help: 'Where the host\'s / is mounted (a container with the host\'s / at /host): mount points below it are reported without it, and every mount point is statfs\'ed below it.' },
  { name: 'log.level', arg: '<level>', defaultText: 'info', choices: LOG_LEVELS, help: 'Only log messages with this severity or above.' },
  { name: 'log.format', arg: '<format>', defaultText: 'logfmt', choices: LOG_FORMATS, help: 'Log format on stderr.' },
  { name: 'config.file', arg: '<file>', help: 'YAML file whose keys are these flag names (e.g. "web.listen-address: :9601"); flags on the command line win.' },
];

export function versionText(): string {
  return `sys-exporter, version ${VERSION} (revision: ${REVISION})\n  runtime: ${RUNTIME}${process.versions.bun ? ` (Node.js ${process.version} APIs)` : ''}, platform: ${process.platform}/${process.arch}\n`;
}

/** A flag's default on a platform, as a user would write it. */
export function defaultOn(f: FlagSpec, platform: NodeJS.Platform): string | undefined {
  return platform === 'win32' && f.windowsDefault !== undefined ? f.windowsDefault : f.defaultText;
}

export const flagApplies = (f: FlagSpec, platform: NodeJS.Platform): boolean => !f.platforms || f.platforms.includes(platform);

const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', win32: 'Windows' };

function buildProgram(platform: NodeJS.Platform): { program: Command; keys: Map<string, string> } {
  const program = new Command('sys-exporter')
    .description('Host metrics exporter: memory, disk and scrape health for Prometheus and BlueKing.')
    .helpOption('-h, --help', 'Show this help.')
    .version(versionText().trimEnd(), '--version', 'Show the version.')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const keys = new Map<string, string>(); // flag name -> commander attribute
  for (const f of FLAGS) {
    // Defaults are applied after the config file is merged, so commander itself holds none.
    const dflt = defaultOn(f, platform);
    const help = dflt !== undefined ? `${f.help} (default: ${JSON.stringify(dflt)})` : f.help;
    const opt = new Option(`--${f.name} ${f.arg ?? '[bool]'}`, help);
    if (!flagApplies(f, platform)) opt.hideHelp();
    if (f.choices) opt.choices(f.choices);
    const parse = f.arg ? f.parse : bool;
    if (parse) {
      opt.argParser(f.repeatable ? (v: string, prev: unknown) => [...((prev as unknown[] | undefined) ?? []), parse(v)] : parse);
    }
    program.addOption(opt);
    if (f.negatable) program.addOption(new Option(`--no-${f.name}`, `Disable the ${f.name.split('.')[1]} collector.`));
    keys.set(f.name, opt.attributeName());
  }
  return { program, keys };
}

/** Value of one config-file key, checked as the flag's own value would be. */
function fromConfigValue(f: FlagSpec, v: unknown, file: string): unknown {
  const where = `config file ${file}: key "${f.name}"`;
  if (!f.arg) {
    if (typeof v !== 'boolean') throw new UsageError(`${where} must be true or false`);
    return v;
  }
  const items = f.repeatable && Array.isArray(v) ? v : [v];
  if (!f.repeatable && Array.isArray(v)) throw new UsageError(`${where} takes one value, not a list`);
  const parsed = items.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') throw new UsageError(`${where} must be a string`);
    const s = String(item);
    if (f.choices && !f.choices.includes(s)) throw new UsageError(`${where}: "${s}" is not one of ${f.choices.join(', ')}`);
    try {
      return f.parse ? f.parse(s) : s;
    } catch (err) {
      throw new UsageError(`${where}: ${errorMessage(err)}`);
    }
  });
  return f.repeatable ? parsed : parsed[0];
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readBounded(file).toString('utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot read config file ${file}: ${e.code === 'EFBIG' ? e.message : (e.code ?? errorMessage(err))}`);
  }
  // Loaded only when a config file is given: most hosts run on flags alone.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new UsageError(`config file ${file} is not valid YAML: ${errorMessage(err)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config file ${file} must be a mapping of flag names to values`);
  return doc as Record<string, unknown>;
}

function cleanCommanderMessage(msg: string): string {
  return msg.replace(/^error:\s*/, '');
}

/** Parses the user's arguments (argv without node and script) into a Config, or an exit. */
export function parseArgs(args: readonly string[], platform: NodeJS.Platform = process.platform): CliResult {
  const { program, keys } = buildProgram(platform);
  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.version') return { kind: 'exit', code: 0, output: versionText() };
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') {
        return { kind: 'exit', code: 0, output: program.helpInformation() };
      }
      throw new UsageError(cleanCommanderMessage(err.message));
    }
    throw err;
  }
  const configFile = program.getOptionValue(keys.get('config.file')!) as string | undefined;
  if (configFile !== undefined) {
    const doc = readConfigFile(configFile);
    const byName = new Map(FLAGS.map((f) => [f.name, f]));
    for (const [k, v] of Object.entries(doc)) {
      const f = byName.get(k);
      if (!f || k === 'config.file') throw new UsageError(`config file ${configFile}: unknown key "${k}"`);
      const attr = keys.get(k)!;
      const checked = fromConfigValue(f, v, configFile); // a bad value is an error even where the command line wins
      if (program.getOptionValueSource(attr) === 'cli') continue;
      program.setOptionValueWithSource(attr, checked, 'config');
    }
  }
  for (const f of FLAGS) {
    const source = program.getOptionValueSource(keys.get(f.name)!);
    if (!flagApplies(f, platform) && (source === 'cli' || source === 'config')) {
      const where = source === 'cli' ? `--${f.name}` : `config file ${configFile}: key "${f.name}"`;
      throw new UsageError(`${where} applies to ${f.platforms!.map((p) => PLATFORM_NAMES[p] ?? p).join(' and ')} only`);
    }
  }
  const value = <T>(name: string): T | undefined => program.getOptionValue(keys.get(name)!) as T | undefined;
  const flag = FLAGS.find.bind(FLAGS);
  const dflt = <T>(name: string): T => {
    const f = flag((x) => x.name === name)!;
    const text = defaultOn(f, platform);
    return (f.parse ? f.parse(text!) : text) as T;
  };
  const pick = <T>(name: string): T => value<T>(name) ?? dflt<T>(name);

  const disableDefaults = value<boolean>('collector.disable-defaults') === true;
  const collectors = Object.fromEntries(
    COLLECTOR_NAMES.map((c) => [c, value<boolean>(`collector.${c}`) ?? !disableDefaults]),
  ) as Record<CollectorName, boolean>;

  const listen = value<ListenAddress[]>('web.listen-address');
  return {
    kind: 'run',
    config: {
      listenAddresses: listen && listen.length > 0 ? listen : [dflt<ListenAddress>('web.listen-address')],
      telemetryPath: pick<string>('web.telemetry-path'),
      maxRequests: pick<number>('web.max-requests'),
      collectors,
      mountPointsExclude: pick<Pattern>('collector.disk.mount-points-exclude'),
      fsTypesExclude: pick<Pattern>('collector.disk.fs-types-exclude'),
      driveTypesExclude: pick<Pattern>('collector.disk.drive-types-exclude'),
      skipMountPoints: pick<string[]>('collector.disk.skip-mount-points'),
      skipFsTypes: pick<string[]>('collector.disk.skip-fs-types'),
      timeoutMs: pick<number>('collector.timeout'),
      intervalMs: pick<number>('collection.interval'),
      procfs: pick<string>('path.procfs'),
      rootfs: pick<string>('path.rootfs'),
      logLevel: pick<LogLevel>('log.level'),
      logFormat: pick<LogFormat>('log.format'),
      configFile,
      webConfigFile: value<string>('web.config.file'),
      disableExporterMetrics: value<boolean>('web.disable-exporter-metrics') === true,
    },
  };
}
