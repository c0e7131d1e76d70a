import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COLLECTORS } from './collectors/registry';
import type { CollectorModule } from './collectors/module';
import { bool, defaultOn, duration, flagApplies, nonNegativeInt, PLATFORM_NAMES, type FlagSpec } from './flags';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './http/listen';
import { readYamlMapping, YamlFileError } from './yaml_file';
import { errorMessage, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log';
import { REVISION, RUNTIME, VERSION } from './version';

export { formatListenAddress, parseListenAddress, type ListenAddress };
export type { FlagSpec };

export interface Config {
  readonly listenAddresses: readonly ListenAddress[];
  readonly telemetryPath: string;
  readonly maxRequests: number;
  /** Whether each collector of the registry is on, by name. */
  readonly collectors: Readonly<Record<string, boolean>>;
  /** Every flag that applies here, by name, parsed and with its default: collectors read their own. */
  readonly flags: ReadonlyMap<string, unknown>;
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

function telemetryPath(v: string): string {
  if (!v.startsWith('/') || v === '/' || /\s|[?#]/.test(v)) {
    throw new InvalidArgumentError(`"${v}" must be a path starting with "/" (not "/" itself), without spaces, "?" or "#"`);
  }
  return v;
}

export const DEFAULT_PORT = 9601;
const DEFAULT_TIMEOUT = '5s';

const WEB_FLAGS: readonly FlagSpec[] = [
  { name: 'web.listen-address', arg: '<address>', repeatable: true, defaultText: `:${DEFAULT_PORT}`, parse: parseListenAddress,
    help: 'Address to listen on for metrics and the landing page; repeat for several. ":port" means every interface.',
    form: { en: 'IP:port the platform scrapes; keep it', zh: 'Exporter 监听的 IP:端口，与平台拉取地址一致，勿改' }, alias: { en: 'Listen address', zh: '监听地址' } },
  { name: 'web.telemetry-path', arg: '<path>', defaultText: '/metrics', parse: telemetryPath, help: 'Path under which to expose metrics.' },
  { name: 'web.config.file', arg: '<file>',
    help: 'Web configuration file (exporter-toolkit format): TLS, client certificates, basic auth, extra headers. Re-read when it changes.' },
  { name: 'web.disable-exporter-metrics', help: "Leave out the exporter's own process_* metrics, as node_exporter's flag of that name does." },
  { name: 'web.max-requests', arg: '<n>', defaultText: '40', parse: nonNegativeInt,
    help: 'Maximum number of scrapes served at once; more get 503. 0 means no limit.' },
];

const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'collector.timeout', arg: '<duration>', defaultText: DEFAULT_TIMEOUT, parse: duration(1),
    help: 'Deadline of each collector in one scrape (lowered by X-Prometheus-Scrape-Timeout-Seconds, never raised by it). A mount must answer 5 % of it (at most 250 ms) before it, so that its figures are in the response by then.' },
  { name: 'collection.interval', arg: '<duration>', defaultText: '0', parse: duration(0),
    help: 'Collect in the background at this interval and serve the latest snapshot; 0 collects on each scrape.' },
  { name: 'path.procfs', arg: '<path>', defaultText: '/proc', platforms: ['linux'], help: 'procfs mount point.' },
  { name: 'path.rootfs', arg: '<path>', defaultText: '/', platforms: ['linux'], help: 'Where the host\'s / is mounted (a container with the host\'s / at /host): mount points below it are reported without it, and every mount point is statfs\'ed below it.' },
  { name: 'log.level', arg: '<level>', defaultText: 'info', choices: LOG_LEVELS, help: 'Only log messages with this severity or above.' },
  { name: 'log.format', arg: '<format>', defaultText: 'logfmt', choices: LOG_FORMATS, help: 'Log format on stderr.' },
  { name: 'config.file', arg: '<file>', help: 'YAML file whose keys are these flag names (e.g. "web.listen-address: :9601"); flags on the command line win.' },
];

/** `--collector.<name>` (and `--no-collector.<name>`) of a collector module. */
export function collectorSwitch(m: CollectorModule): FlagSpec {
  return {
    name: `collector.${m.name}`, negatable: true,
    help: `Enable the ${m.noun.en} collector (default: ${m.defaultEnabled ? 'enabled' : 'disabled'}; --no-collector.${m.name} disables it).`,
    form: { en: `The ${m.noun.en} collector`, zh: `${m.noun.zh}采集` },
    alias: { en: `${m.noun.en[0].toUpperCase()}${m.noun.en.slice(1)} collector`, zh: `${m.noun.zh}采集` },
  };
}

/** Every flag of the exporter with these collectors: web, collector switches, the collectors' own, the rest. */
export function flagsOf(modules: readonly CollectorModule[]): readonly FlagSpec[] {
  for (const m of modules) {
    for (const f of m.flags) if (!f.name.startsWith(`collector.${m.name}.`)) throw new Error(`flag ${f.name} of the ${m.name} collector must be named collector.${m.name}.<flag>`);
  }
  return [
    ...WEB_FLAGS,
    ...modules.map(collectorSwitch),
    { name: 'collector.disable-defaults', help: 'Disable every collector not enabled explicitly with --collector.<name>.' },
    ...modules.flatMap((m) => m.flags),
    ...RUN_FLAGS,
  ];
}

export const FLAGS: readonly FlagSpec[] = flagsOf(COLLECTORS);

/**
 * A parsed flag's value by name, its default applied: how a collector reads its own flags. A
 * name not in the map is a flag that does not apply on `platform` (or a typo): an error.
 */
export function flagReader(config: Config, platform: NodeJS.Platform): <T>(name: string) => T {
  return <T>(name: string): T => {
    if (!config.flags.has(name)) throw new Error(`no flag ${name} on ${platform}`);
    return config.flags.get(name) as T;
  };
}

export function versionText(): string {
  return `sys-exporter, version ${VERSION} (revision: ${REVISION})\n  runtime: ${RUNTIME}${process.versions.bun ? ` (Node.js ${process.version} APIs)` : ''}, platform: ${process.platform}/${process.arch}\n`;
}

function buildProgram(flags: readonly FlagSpec[], platform: NodeJS.Platform): { program: Command; keys: Map<string, string> } {
  const program = new Command('sys-exporter')
    .description('Host metrics exporter: memory, disk and scrape health for Prometheus and BlueKing.')
    .helpOption('-h, --help', 'Show this help.')
    .version(versionText().trimEnd(), '--version', 'Show the version.')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const keys = new Map<string, string>(); // flag name -> commander attribute
  for (const f of flags) {
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
  try {
    return readYamlMapping(file);
  } catch (err) {
    if (!(err instanceof YamlFileError)) throw err;
    if (err.kind === 'read') throw new UsageError(`cannot read config file ${file}: ${err.detail}`);
    if (err.kind === 'syntax') throw new UsageError(`config file ${file} is not valid YAML: ${err.detail}`);
    throw new UsageError(`config file ${file} must be a mapping of flag names to values`);
  }
}

function cleanCommanderMessage(msg: string): string {
  return msg.replace(/^error:\s*/, '');
}

/** Parses the user's arguments (argv without node and script) into a Config, or an exit. */
export function parseArgs(args: readonly string[], platform: NodeJS.Platform = process.platform, modules: readonly CollectorModule[] = COLLECTORS): CliResult {
  const flags = modules === COLLECTORS ? FLAGS : flagsOf(modules);
  const { program, keys } = buildProgram(flags, platform);
  // "/?" is how Windows asks a program for help.
  const argv = args.map((a) => (a === '/?' || a === '-?' ? '--help' : a));
  try {
    program.parse(argv, { from: 'user' });
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
    const byName = new Map(flags.map((f) => [f.name, f]));
    for (const [k, v] of Object.entries(doc)) {
      const f = byName.get(k);
      if (!f || k === 'config.file') throw new UsageError(`config file ${configFile}: unknown key "${k}"`);
      const attr = keys.get(k)!;
      const checked = fromConfigValue(f, v, configFile); // a bad value is an error even where the command line wins
      if (program.getOptionValueSource(attr) === 'cli') continue;
      program.setOptionValueWithSource(attr, checked, 'config');
    }
  }
  for (const f of flags) {
    const source = program.getOptionValueSource(keys.get(f.name)!);
    if (!flagApplies(f, platform) && (source === 'cli' || source === 'config')) {
      const where = source === 'cli' ? `--${f.name}` : `config file ${configFile}: key "${f.name}"`;
      throw new UsageError(`${where} applies to ${f.platforms!.map((p) => PLATFORM_NAMES[p] ?? p).join(' and ')} only`);
    }
  }
  const value = <T>(name: string): T | undefined => program.getOptionValue(keys.get(name)!) as T | undefined;
  const flag = flags.find.bind(flags);
  const dflt = <T>(name: string): T => {
    const f = flag((x) => x.name === name)!;
    const text = defaultOn(f, platform);
    return (f.parse ? f.parse(text!) : text) as T;
  };
  const pick = <T>(name: string): T => value<T>(name) ?? dflt<T>(name);

  const disableDefaults = value<boolean>('collector.disable-defaults') === true;
  const collectors = Object.fromEntries(
    modules.map((m) => [m.name, value<boolean>(`collector.${m.name}`) ?? (m.defaultEnabled && !disableDefaults)]),
  );
  const values = new Map<string, unknown>();
  for (const f of flags) if (flagApplies(f, platform)) values.set(f.name, f.arg && defaultOn(f, platform) !== undefined ? pick(f.name) : value(f.name));

  const listen = value<ListenAddress[]>('web.listen-address');
  return {
    kind: 'run',
    config: {
      listenAddresses: listen && listen.length > 0 ? listen : [dflt<ListenAddress>('web.listen-address')],
      telemetryPath: pick<string>('web.telemetry-path'),
      maxRequests: pick<number>('web.max-requests'),
      collectors,
      flags: values,
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
