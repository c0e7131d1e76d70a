import type { ChildProcess } from 'node:child_process';
import { spawn } from '../spawn';
import { join } from 'node:path';
import { errorMessage, type Logger } from '../log';
import { def, WINDOWS_ONLY } from '../metrics/def';
import type { SampleSet } from '../metrics/samples';
import type { CollectContext, Collector } from './collector';

// Windows facts that only WMI (CIM) gives, such as every volume with its drive type, the page
// files and the commit charge, need a PowerShell process. Starting one per refresh costs about
// half a second of CPU and an entry in PowerShell's script-block log each time, so one process
// runs for the exporter's life and prints a JSON line of every registered query per interval.
// It ends by itself when the exporter is gone (its next write fails), and is restarted here if
// it dies or stops printing (a hung WMI provider). Nothing waits on it for long: until it
// answers, and whenever it cannot, the collectors serve what they can without it and
// sys_windows_wmi_up says so.

/** One query's latest outcome: `rows` as PowerShell's ConvertTo-Json wrote them, or an error. */
export type CimOutcome = { readonly rows: unknown; readonly at: number } | { readonly error: string; readonly at: number };

/**
 * How long a scrape waits for PowerShell's first answer before serving without it: PowerShell
 * starts and answers a Win32_Volume query in well under a second on a healthy host.
 */
export const WMI_GRACE_MS = 1500;

export interface CimFeedOptions {
  readonly intervalMs?: number;
  /** powershell.exe by absolute path: a service must not find it through PATH or its folder. */
  readonly powershell?: string;
  /** How long without a line before PowerShell is taken for hung and restarted. */
  readonly silenceMs?: number;
  /** The first retry's delay; each failure in a row doubles it, up to 5 minutes. */
  readonly retryMs?: number;
}

export function systemPowershell(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
}

/** PowerShell single-quoted string. */
const psString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * The loop PowerShell runs. Each query is a PowerShell pipeline; its objects go out as a JSON
 * array (one object or none would otherwise lose the array), or its error message as a string.
 * No double quotes: the script travels as one command-line argument.
 *
 * It runs under Constrained Language Mode (WDAC, AppLocker, __PSLockdownPolicy), which allows
 * cmdlets, operators and methods of the core types but no other .NET: no [Console], no script
 * block cast to a delegate, no static calls. Non-ASCII characters go out as \uXXXX (JSON
 * escapes), so the line is right in whatever code page PowerShell writes it.
 * test/unit/windows.test.ts holds it to that.
 */
export function cimScript(queries: ReadonlyMap<string, string>, intervalMs: number): string {
  const parts = [...queries].map(([name, pipeline]) =>
    `try { $r[${psString(name)}] = @{ rows = @(${pipeline}) } } catch { $r[${psString(name)}] = @{ error = [string]$_ } }`,
  );
  return [
    "$ErrorActionPreference = 'Stop'",
    'while ($true) {',
    '$r = @{}',
    ...parts,
    '$j = ConvertTo-Json -InputObject $r -Compress -Depth 5',
    "if ($j -match '[^\\x00-\\x7e]') { $j = -join @(foreach ($c in $j.ToCharArray()) { if ([int]$c -gt 126) { '\\u{0:x4}' -f [int]$c } else { [string]$c } }) }",
    'Write-Output $j',
    `Start-Sleep -Milliseconds ${Math.round(intervalMs)}`,
    '}',
  ].join('; ').replace(/\{; /g, '{ ').replace(/; \}/g, ' }');
}

/** PowerShell's command line: no -ExecutionPolicy (it does nothing for -Command, and EDR flags it). */
export function powershellArgs(script: string): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

/**
 * The rows as an array. Windows PowerShell 5.1 writes an array that carries extended-type data
 * as {"value": [...], "Count": n}, and a lone object as itself: both become an array here.
 */
export function rowsOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined) return [];
  const o = v as { value?: unknown };
  return Array.isArray(o.value) ? o.value : [v];
}

/** Why a spawn failed, in words an administrator can act on. */
export function spawnFailure(powershell: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${powershell} does not exist (Windows PowerShell is not installed or was removed)`;
  if (code === 'EACCES' || code === 'EPERM') return `access to ${powershell} is denied for this account`;
  // libuv has no name for ERROR_ACCESS_DISABLED_BY_POLICY (1260) and the like: "UNKNOWN".
  if (code === 'UNKNOWN') return `Windows refused to start ${powershell}; an AppLocker, WDAC or software restriction policy that blocks PowerShell for this account does this`;
  return `cannot start ${powershell}: ${errorMessage(err)}`;
}

/** Where the feed stands: starting (no answer yet), up (answering), down (not, and why). */
export type FeedState = { readonly kind: 'starting' } | { readonly kind: 'up' } | { readonly kind: 'down'; readonly why: string };

export class CimFeed {
  private readonly queries = new Map<string, string>();
  private readonly latest = new Map<string, CimOutcome>();
  private readonly queryErrors = new Map<string, string>();
  private readonly optional = new Set<string>();
  private readonly waiting = new Set<() => void>();
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastLine = 0;
  private badLines = 0;
  private failures = 0;
  private closed = false;
  private current: FeedState = { kind: 'starting' };
  /** What the log last said: "answering" (true), or the failure it last named. */
  private announcedUp = false;
  private loggedWhy: string | undefined;
  private toldSlow = false;
  readonly intervalMs: number;
  private readonly powershell: string;
  private readonly silenceMs: number;
  private readonly retryMs: number;

  constructor(private readonly log: Logger, opts: CimFeedOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 15_000;
    this.powershell = opts.powershell ?? systemPowershell();
    // Get-CimInstance may take its 30 s OperationTimeoutSec per query; past that, it is hung.
    this.silenceMs = opts.silenceMs ?? 3 * this.intervalMs + 60_000;
    this.retryMs = opts.retryMs ?? 5000;
  }

  /**
   * Adds a query (a PowerShell pipeline) under a name; the process starts on the next tick. An
   * optional query may be refused to the service's account (the Storage classes need an
   * administrator on some hosts): its failure is said once, at info, and sys_windows_wmi_up
   * leaves it out.
   */
  register(name: string, pipeline: string, optional = false): void {
    this.queries.set(name, pipeline);
    if (optional) this.optional.add(name);
    if (this.child) this.child.kill(); // restarted with the new script by its exit handler
    else if (!this.restartTimer && !this.closed) this.restartTimer = setTimeout(() => this.start(), 0);
  }

  /** The registered queries' names, in order, less the optional ones. */
  names(): string[] {
    return [...this.queries.keys()].filter((n) => !this.optional.has(n));
  }

  get state(): FeedState {
    if (this.current.kind === 'up' && Date.now() - this.lastLine > 3 * this.intervalMs) return { kind: 'down', why: 'no answer for three intervals' };
    return this.current;
  }

  /** The latest outcome of a query, if it is recent (three intervals). */
  get(name: string, now = Date.now()): CimOutcome | undefined {
    const o = this.latest.get(name);
    return o && now - o.at <= 3 * this.intervalMs ? o : undefined;
  }

  /**
   * Waits for the first outcome of a query while the feed is still starting, until the signal
   * aborts; at once when it has answered before or has failed.
   */
  async first(name: string, signal?: AbortSignal): Promise<CimOutcome | undefined> {
    while (!this.latest.has(name) && this.current.kind === 'starting' && !signal?.aborted && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiting.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiting.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
    return this.get(name);
  }

  /**
   * first(), but for at most `ms` and only while PowerShell is starting: what a scrape waits so
   * that on a healthy host its first answer has WMI's figures, without ever waiting out the
   * deadline on a host where WMI is slow or hung.
   */
  async firstWithin(name: string, ms: number, signal: AbortSignal): Promise<CimOutcome | undefined> {
    if (this.current.kind !== 'starting') return this.get(name);
    const grace = new AbortController();
    const timer = setTimeout(() => grace.abort(), ms);
    const onAbort = (): void => grace.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.first(name, grace.signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (this.current.kind === 'starting' && !this.toldSlow) {
        this.toldSlow = true;
        this.log.warn(`WMI has not answered ${ms / 1000} s after the first scrape: disks come from probing drive letters and page file and commit figures are left out until it does`, { powershell: this.powershell });
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    this.child?.kill();
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiting]) w();
  }

  /**
   * Logs a change of state once, not once per line or per round. A PowerShell that answers and
   * dies again and again is one failure until it has answered for three intervals in a row.
   */
  private enter(next: FeedState, retryMs?: number): void {
    this.current = next;
    const retry_in = retryMs === undefined ? undefined : `${retryMs / 1000}s`;
    if (next.kind === 'up') {
      if (!this.announcedUp && this.failures === 0) {
        this.announcedUp = true;
        this.loggedWhy = undefined;
        this.log.info('WMI is answering: volumes, page files and commit charge come from it', { powershell: this.powershell });
      }
    } else if (next.kind === 'down') {
      if (this.failures === 1 || next.why !== this.loggedWhy) {
        this.announcedUp = false;
        this.loggedWhy = next.why;
        this.log.warn('WMI is not answering: disks come from probing drive letters (no mounted folders, file systems or drive types) and page file and commit figures are left out until it answers', { err: next.why, retry_in });
      } else {
        this.log.debug('WMI is still not answering', { err: next.why, retry_in });
      }
    }
    this.wake();
  }

  private start(): void {
    this.restartTimer = undefined;
    if (this.closed || this.queries.size === 0) return;
    let child: ChildProcess;
    try {
      child = spawn(this.powershell, powershellArgs(cimScript(this.queries, this.intervalMs)), {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        // Not the exporter's folder: nothing there is run by a bare name.
        cwd: join(this.powershell, '..'),
      });
    } catch (err) {
      this.failed(spawnFailure(this.powershell, err));
      return;
    }
    this.child = child;
    this.startedAt = this.lastLine = Date.now();
    this.badLines = 0;
    let buffered = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        this.line(buffered.slice(0, nl).trim());
        buffered = buffered.slice(nl + 1);
      }
      if (buffered.length > 16 << 20) buffered = ''; // not a line of ours
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (err) => {
      // A spawn that fails asynchronously ('error' without 'close' having a code to give).
      if (this.child === child) this.child = undefined;
      clearInterval(this.watchdog);
      this.failed(spawnFailure(this.powershell, err));
    });
    // 'close', not 'exit': stderr is read to its end only then, so the reason is whole.
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      clearInterval(this.watchdog);
      const tail = stderr.trim().split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^[+~]|^At line:|^\s*CategoryInfo|^\s*FullyQualifiedErrorId/.test(l)).slice(0, 3).join(' | ');
      const silent = this.lastLine === this.startedAt && !this.badLines && !tail ? ' without printing an answer' : '';
      this.failed(`PowerShell exited (${signal ?? `code ${code}`})${silent}${tail ? `: ${tail}` : ''}${this.badLines ? '; it printed lines that are not JSON' : ''}`);
    });
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastLine > this.silenceMs) {
        const s = this.silenceMs / 1000;
        this.failed(this.badLines
          ? `PowerShell printed lines that are not JSON and no answer for ${s} s (a profile or wrapper printing into its output?): restarting it`
          : `WMI queries did not answer for ${s} s (a hung WMI provider?): restarting PowerShell`);
        child.kill();
      }
    }, Math.min(this.intervalMs, this.silenceMs));
    this.watchdog.unref();
  }

  private line(text: string): void {
    if (text === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      // Counted and reported with the state (a profile or a wrapper that prints banners), not per line.
      if (this.badLines++ === 0) this.log.debug('PowerShell printed a line that is not JSON', { line: text.slice(0, 200) });
      return;
    }
    const at = Date.now();
    this.lastLine = at;
    // A process that answers, then dies, must not restart every 5 s: the back-off is forgiven
    // only after three intervals of answers.
    if (at - this.startedAt > 3 * this.intervalMs) this.failures = 0;
    for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
      const o = v as { rows?: unknown; error?: unknown } | null;
      if (o && typeof o.error === 'string') {
        this.latest.set(name, { error: o.error, at });
        if (this.queryErrors.get(name) !== o.error) {
          const err = o.error.replace(/\s+/g, ' ').trim();
          if (this.optional.has(name)) this.log.info('optional WMI query failed: what it adds is left out', { query: name, err });
          else this.log.warn('WMI query failed', { query: name, err });
        }
        this.queryErrors.set(name, o.error);
      } else if (o && 'rows' in o) {
        this.latest.set(name, { rows: rowsOf(o.rows), at });
        if (this.queryErrors.delete(name)) this.log.info('WMI query answers again', { query: name });
      }
    }
    this.enter({ kind: 'up' });
  }

  /** Restarts after retryMs (5 s), doubling up to 5 minutes while it keeps failing. */
  private failed(why: string): void {
    if (this.closed || this.restartTimer) return;
    this.failures++;
    const delay = Math.min(this.retryMs * 2 ** (this.failures - 1), 300_000);
    this.enter({ kind: 'down', why }, delay);
    this.restartTimer = setTimeout(() => this.start(), delay);
    this.restartTimer.unref();
  }
}

// The feed's own family; the catalog lists it with the exporter's.
export const WMI_UP = def('exporter', 'gauge', 'sys_windows_wmi_up', '', ['WMI up',
  'Windows: 1 if the WMI query answered within three intervals, else 0. Without volumes, disks come from probing drive letters only (no mounted folders, file systems or drive types); without memory, the page file and commit families are left out. The log says why.',
  'WMI 是否可用', '该 WMI 查询在最近三个 WMI 查询周期内有应答时为 1，否则为 0。wmi_query 为 volumes 的查询不可用时，磁盘仅来自盘符探测（不含挂载到文件夹的卷、文件系统类型与驱动器类型）；memory 不可用时不输出页面文件与提交内存指标。原因见日志。'], ['wmi_query'], WINDOWS_ONLY);

/** sys_windows_wmi_up per query, a part of every collection where a collector uses the feed. */
export class WmiHealth implements Collector {
  readonly name = 'wmi';
  private waited = false;
  constructor(private readonly feed: CimFeed) {}
  async collect(ctx: CollectContext, out: SampleSet): Promise<void> {
    // The first collection waits as the collectors do, so that one response tells one story.
    const names = this.feed.names();
    if (!this.waited && names.length) {
      this.waited = true;
      await this.feed.firstWithin(names[0], WMI_GRACE_MS, ctx.signal);
    }
    const now = Date.now();
    for (const name of names) {
      const o = this.feed.get(name, now);
      out.add(WMI_UP, o && 'rows' in o ? 1 : 0, [name]);
    }
  }
}
