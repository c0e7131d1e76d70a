import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { errorMessage, type Logger } from '../log';

// Windows facts that only WMI (CIM) gives, such as every volume with its drive type, the page
// files and the commit charge, need a PowerShell process. Starting one per refresh costs about
// half a second of CPU and an entry in PowerShell's script-block log each time, so one process
// runs for the exporter's life and prints a JSON line of every registered query per interval.
// It ends by itself when the exporter is gone (its next write fails), and is restarted here if
// it dies or stops printing (a hung WMI provider).

/** One query's latest outcome: `rows` as PowerShell's ConvertTo-Json wrote them, or an error. */
export type CimOutcome = { readonly rows: unknown; readonly at: number } | { readonly error: string; readonly at: number };

export interface CimFeedOptions {
  readonly intervalMs?: number;
  /** powershell.exe by absolute path: a service must not find it through PATH or its folder. */
  readonly powershell?: string;
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
 */
export function cimScript(queries: ReadonlyMap<string, string>, intervalMs: number): string {
  const parts = [...queries].map(([name, pipeline]) =>
    `try { $r[${psString(name)}] = @{ rows = @(${pipeline}) } } catch { $r[${psString(name)}] = @{ error = $_.Exception.Message } }`,
  );
  return [
    "$ErrorActionPreference = 'Stop'",
    // Folder names in any language: UTF-8, not the OEM code page (936 on Chinese Windows).
    'try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }',
    'while ($true) {',
    '$r = @{}',
    ...parts,
    '$j = ConvertTo-Json -InputObject $r -Compress -Depth 5',
    // ASCII only (\\uXXXX for the rest): right whatever code page the output ends up in, as
    // without a console (a service) setting OutputEncoding can fail.
    "$j = [regex]::Replace($j, '[^\\x00-\\x7e]', [Text.RegularExpressions.MatchEvaluator]{ param($m) '\\u{0:x4}' -f [int][char]$m.Value })",
    '[Console]::Out.WriteLine($j)',
    '[Console]::Out.Flush()',
    `Start-Sleep -Milliseconds ${Math.round(intervalMs)}`,
    '}',
  ].join('; ').replace(/\{; /g, '{ ').replace(/; \}/g, ' }');
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

export class CimFeed {
  private readonly queries = new Map<string, string>();
  private readonly latest = new Map<string, CimOutcome>();
  private readonly waiting = new Set<() => void>();
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastLine = 0;
  private failures = 0;
  private closed = false;
  readonly intervalMs: number;
  private readonly powershell: string;

  constructor(private readonly log: Logger, opts: CimFeedOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 15_000;
    this.powershell = opts.powershell ?? systemPowershell();
  }

  /** Adds a query (a PowerShell pipeline) under a name; the process starts on the next tick. */
  register(name: string, pipeline: string): void {
    this.queries.set(name, pipeline);
    if (this.child) this.child.kill(); // restarted with the new script by its exit handler
    else if (!this.restartTimer && !this.closed) this.restartTimer = setTimeout(() => this.start(), 0);
  }

  /** The latest outcome of a query, if it is recent (three intervals). */
  get(name: string, now = Date.now()): CimOutcome | undefined {
    const o = this.latest.get(name);
    return o && now - o.at <= 3 * this.intervalMs ? o : undefined;
  }

  /** Waits for the first outcome of a query, or until the signal aborts. */
  async first(name: string, signal?: AbortSignal): Promise<CimOutcome | undefined> {
    while (!this.latest.has(name) && !signal?.aborted && !this.closed) {
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

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    this.child?.kill();
    for (const w of [...this.waiting]) w();
  }

  private start(): void {
    this.restartTimer = undefined;
    if (this.closed || this.queries.size === 0) return;
    let child: ChildProcess;
    try {
      child = spawn(this.powershell, ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', cimScript(this.queries, this.intervalMs)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        // Not the exporter's folder: nothing there is run by a bare name.
        cwd: join(this.powershell, '..'),
      });
    } catch (err) {
      this.failed(`cannot start ${this.powershell}: ${errorMessage(err)}`);
      return;
    }
    this.child = child;
    this.lastLine = Date.now();
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
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on('error', (err) => this.failed(`${this.powershell}: ${errorMessage(err)}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      clearInterval(this.watchdog);
      if (!this.closed) this.failed(`PowerShell exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split(/\r?\n/).slice(-3).join(' | ')}` : ''}`);
    });
    // A WMI provider can hang: no line for three intervals (and a minute to start) restarts it.
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastLine > 3 * this.intervalMs + 60_000) {
        this.log.warn('WMI queries are not answering: restarting PowerShell', { powershell: this.powershell });
        child.kill();
      }
    }, this.intervalMs);
    this.watchdog.unref();
  }

  private line(text: string): void {
    if (text === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      this.log.warn('PowerShell printed a line that is not JSON', { line: text.slice(0, 200) });
      return;
    }
    if (typeof doc !== 'object' || doc === null) return;
    const at = Date.now();
    this.lastLine = at;
    this.failures = 0;
    for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
      const o = v as { rows?: unknown; error?: unknown } | null;
      if (o && typeof o.error === 'string') {
        this.latest.set(name, { error: o.error, at });
        this.log.warn('WMI query failed', { query: name, err: o.error });
      } else if (o && 'rows' in o) {
        this.latest.set(name, { rows: rowsOf(o.rows), at });
      }
    }
    for (const w of [...this.waiting]) w();
  }

  /** Logs, and restarts after 5 s, doubling up to 5 minutes while it keeps failing. */
  private failed(why: string): void {
    if (this.closed || this.restartTimer) return;
    this.failures++;
    const delay = Math.min(5000 * 2 ** (this.failures - 1), 300_000);
    this.log.warn('WMI query process failed', { err: why, retry_in: `${delay / 1000}s` });
    for (const [name] of this.queries) if (!this.latest.has(name)) this.latest.set(name, { error: why, at: Date.now() });
    for (const w of [...this.waiting]) w();
    this.restartTimer = setTimeout(() => this.start(), delay);
    this.restartTimer.unref();
  }
}
