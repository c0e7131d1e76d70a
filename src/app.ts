import { InvalidArgumentError } from 'commander';
import { flagReader, parseArgs, UsageError, formatListenAddress, type Config } from './cli';
import { CimFeed, WmiHealth } from './collectors/cim_windows';
import type { Collector } from './collectors/collector';
import { poolSize, StatfsGate } from './collectors/disk/statfs_gate';
import { poolWarning } from './threadpool';
import { releaseStartupPages } from './trim_linux';
import type { CollectorEnv, CollectorModule } from './collectors/module';
import { COLLECTORS } from './collectors/registry';
import { formatDuration } from './duration';
import { ExporterServer, ListenError } from './http/server';
import { loadWebConfig, type WebConfig } from './http/webconfig';
import { watchWebConfig } from './http/webconfig_watch';
import { createLogger, errorMessage, type Logger } from './log';
import { serving as stdioServing, write as writeStdio } from './stdio';
import { BUILD_INFO } from './metrics/catalog';
import { SampleSet } from './metrics/samples';
import { Gatherer } from './gather';
import { REVISION, RUNTIME, VERSION } from './version';

/** Graceful-shutdown budget: in-flight responses get this long after SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The enabled collectors of the registry (or of `modules`), built from the parsed flags. Parts
 * that every collection carries beside them (the WMI feed's health) are added to `parts`.
 */
export function buildCollectors(config: Config, log: Logger, platform: NodeJS.Platform = process.platform, modules: readonly CollectorModule[] = COLLECTORS, parts: Collector[] = []): Collector[] {
  // Windows: one PowerShell answers the WMI queries of every collector (cim_windows.ts).
  let cim: CimFeed | undefined;
  const env: CollectorEnv = {
    platform,
    log,
    timeoutMs: config.timeoutMs,
    procfs: config.procfs,
    rootfs: config.rootfs,
    flag: flagReader(config, platform),
    cim: () => {
      if (!cim) {
        const feed = new CimFeed(log);
        process.once('exit', () => feed.close());
        parts.push(new WmiHealth(feed));
        cim = feed;
      }
      return cim;
    },
  };
  return modules.filter((m) => config.collectors[m.name]).map((m) => m.create(env));
}

function buildInfo(): SampleSet {
  const s = new SampleSet();
  s.add(BUILD_INFO, 1, [VERSION, REVISION, process.version, RUNTIME, process.platform, process.arch]);
  return s;
}

/** Runs the exporter until SIGTERM/SIGINT. Sets process.exitCode for usage and bind errors. */
export async function main(args: readonly string[]): Promise<void> {
  let config: Config;
  let web: WebConfig | undefined;
  try {
    const parsed = parseArgs(args);
    if (parsed.kind === 'exit') {
      writeStdio(1, parsed.output);
      process.exitCode = parsed.code;
      return;
    }
    config = parsed.config;
    if (config.webConfigFile !== undefined) {
      try {
        web = loadWebConfig(config.webConfigFile);
      } catch (err) {
        throw new UsageError(errorMessage(err));
      }
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof InvalidArgumentError) {
      writeStdio(2, `sys-exporter: error: ${errorMessage(err)}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const debuggerVar = debuggerRequested();
  if (debuggerVar) {
    writeStdio(2, `sys-exporter: error: ${debuggerVar} is set: an exporter does not open a debugger port; unset it\n`);
    process.exitCode = 2;
    return;
  }

  const log = createLogger(config.logLevel, config.logFormat);
  closeInspector(log);
  if (poolWarning) log.warn(poolWarning);
  if (poolSize() < 8) {
    log.warn('few pool threads: statfs calls and dead mounts share them with everything else', {
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE,
      threads: poolSize(),
    });
  }
  const parts: Collector[] = [];
  const collectors = buildCollectors(config, log, process.platform, COLLECTORS, parts);
  if (!config.disableExporterMetrics) parts.push(new (require('./collectors/process') as typeof import('./collectors/process')).ProcessMetrics());
  const gatherer = new Gatherer(collectors, parts, buildInfo(), log, { timeoutMs: config.timeoutMs, intervalMs: config.intervalMs });
  const server = new ExporterServer({
    options: { listenAddresses: config.listenAddresses, telemetryPath: config.telemetryPath, maxRequests: config.maxRequests, timeoutMs: config.timeoutMs },
    gather: gatherer,
    log,
    web,
  });
  if (web) for (const k of web.ignored) log.warn('web config setting accepted but not applied', { file: config.webConfigFile, setting: k });

  let addresses: string[];
  try {
    addresses = await server.listen();
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    log.error(err.message);
    gatherer.stop();
    process.exitCode = 1;
    return;
  }
  log.info('sys-exporter started', {
    version: VERSION,
    revision: REVISION,
    addresses: addresses.join(','),
    listen: config.listenAddresses.map(formatListenAddress).join(','),
    telemetry_path: config.telemetryPath,
    collectors: collectors.map((c) => c.name).join(','),
    mode: config.intervalMs > 0 ? `background every ${formatDuration(config.intervalMs)}` : 'on scrape',
    timeout: formatDuration(config.timeoutMs),
    uv_threadpool_size: poolSize(),
    tls: web?.tls ? 'on' : 'off',
    basic_auth: web && web.users.size > 0 ? 'on' : 'off',
  });
  stdioServing();
  gatherer.start();
  setTimeout(() => releasePages(log), RELEASE_AFTER_MS).unref();
  const unwatch = web && config.webConfigFile ? watchWebConfig(config.webConfigFile, web, (next) => server.applyWebConfig(next), log) : undefined;

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Whatever happens below, the process is gone by the grace period plus half a second.
    setTimeout(() => exitAfter(signal), SHUTDOWN_GRACE_MS + 500);
    gatherer.stop();
    unwatch?.();
    void server.close(SHUTDOWN_GRACE_MS).then(() => {
      log.info('stopped');
      exitAfter(signal);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A console's Ctrl+Break (Windows) stops it like Ctrl+C.
  if (process.platform === 'win32') process.on('SIGBREAK', stop);
  serviceHost(log, () => stop('SIGTERM'));
}

/** How long after the listener opens the start-up pages are released: past the first scrape, as a rule. */
const RELEASE_AFTER_MS = 2000;

function releasePages(log: Logger): void {
  try {
    const r = releaseStartupPages();
    if (r) log.debug('start-up pages of the executable released', { mappings: r.mappings, resident_file_kib_before: r.beforeKiB, resident_file_kib_after: r.afterKiB });
  } catch (err) {
    log.debug('start-up pages not released', { err: errorMessage(err) });
  }
}

/**
 * Under sys-exporter-service.exe (Windows) the host passes a named pipe. Connecting says the
 * exporter listens, so that the service shows "running" only then, and a start that fails (a bad
 * setting, a port in use) shows as failed. The host writes "stop" on it, or closes it by going
 * away: either stops the exporter gracefully.
 */
function serviceHost(log: Logger, stop: () => void): void {
  const pipe = process.env.SYS_EXPORTER_SERVICE_PIPE;
  if (process.platform !== 'win32' || !pipe) return;
  delete process.env.SYS_EXPORTER_SERVICE_PIPE;
  const socket = (require('node:net') as typeof import('node:net')).connect(pipe);
  socket.on('data', stop);
  socket.on('end', stop);
  socket.on('error', (err) => log.warn('service host pipe failed', { pipe, err: err.message }));
}

declare const __SEA__: boolean | undefined;

/**
 * An exporter runs for years as a service: it must not open an unauthenticated V8 inspector.
 * Node opens one on SIGUSR1; a listener of our own takes the signal instead. In the standalone
 * build an inspector asked for through NODE_OPTIONS (--inspect) is closed again at start (Bun
 * ignores NODE_OPTIONS); run from source, the developer's node flags are the developer's.
 */
function closeInspector(log: Logger): void {
  if (process.platform !== 'win32') process.on('SIGUSR1', () => log.warn('SIGUSR1 ignored: sys-exporter does not open the V8 inspector'));
  if (typeof __SEA__ === 'boolean' && __SEA__ && /--inspect/.test(process.env.NODE_OPTIONS ?? '')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:inspector') as typeof import('node:inspector')).close();
    log.warn('the V8 inspector that NODE_OPTIONS asked for is closed: an exporter does not expose it');
  }
}

/**
 * Bun (the Linux executables) opens its inspector before any of our code runs when BUN_INSPECT
 * asks for it, and cannot close it again (inspector.close() leaves the port listening), so the
 * exporter refuses to run. Returns the variable that asked, if any.
 */
function debuggerRequested(): string | undefined {
  if (!process.versions.bun) return undefined;
  return ['BUN_INSPECT', 'BUN_INSPECT_CONNECT_TO'].find((v) => process.env[v]);
}

/**
 * Ends the process after a stop. process.exit runs exit(3), and libuv's exit-time destructor
 * joins every thread-pool thread: one blocked in statfs on a dead FUSE or NFS mount never
 * returns, so the process never ends (the service manager then SIGKILLs it and records a
 * failed stop). With such calls out, the signal is raised again with its default action, which
 * ends the process at once, and the service manager sees death by the signal it sent, a clean
 * stop. With none out (and on Windows, where libuv joins nothing at exit), exit 0.
 */
function exitAfter(signal: NodeJS.Signals): void {
  if (process.platform === 'win32' || StatfsGate.outstanding === 0) process.exit(0);
  process.removeAllListeners(signal); // the default disposition comes back with the last listener
  process.kill(process.pid, signal);
}
