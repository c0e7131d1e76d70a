import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';

/** A filesystem's size and space available to users, as `stat -f` (statfs(2)) has them. */
export function statf(path: string): { size: number; avail: number } {
  const [blocks, bavail, bsize] = execFileSync('stat', ['-f', '-c', '%b %a %S', path], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { size: blocks * bsize, avail: bavail * bsize };
}

/** MemTotal from /proc/meminfo, in bytes. */
export function memTotalBytes(): number {
  return Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
}

/** The compiled entry point, run from source as `npm start` does. */
export const MAIN = join(__dirname, '..', 'src', 'main.js');

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP GET (or other method) over loopback with Node's real client; no agent reuse. */
export function request(url: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET', timeoutMs = 15_000): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Exporter {
  readonly proc: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly stderr: () => string;
  /** Resolves to the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  scrape(headers?: http.OutgoingHttpHeaders, path?: string): Promise<Response>;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real exporter on an ephemeral loopback port and waits for its start line, which
 * names the bound address. Any extra flags are passed through.
 */
export async function startExporter(args: string[] = [], env: NodeJS.ProcessEnv = process.env, command: readonly string[] = [process.execPath, MAIN], cwd?: string): Promise<Exporter> {
  const hasListen = args.some((a) => a.startsWith('--web.listen-address'));
  const proc = spawn(command[0], [...command.slice(1), ...(hasListen ? [] : ['--web.listen-address=127.0.0.1:0']), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exporter did not start in 10 s:\n${err}`)), 10_000);
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      // logfmt or JSON start line
      const m = /msg="sys-exporter started".*?addresses=(\S+)/.exec(err) ?? /"msg":"sys-exporter started".*?"addresses":"([^"]+)"/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1].split(',')[0]}`);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exporter exited with ${code} before starting:\n${err}`));
    });
  });
  return {
    proc,
    base,
    stderr: () => err,
    exited,
    scrape: (headers = {}, path = '/metrics') => request(`${base}${path}`, headers),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** How an exporter ended within `ms`: "exit N", the signal's name, or "still running". */
export async function ended(e: Exporter, ms: number): Promise<string> {
  const r = await Promise.race([e.exited.then(() => 'ended'), sleep(ms).then(() => 'still running')]);
  return r === 'ended' ? (e.proc.signalCode ?? `exit ${e.proc.exitCode}`) : r;
}

/** Runs the exporter to completion (for flags that make it exit). */
export function runExporter(args: string[], timeoutMs = 10_000, command: readonly string[] = [process.execPath, MAIN]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `promtool check metrics` on an exposition; returns its exit code and output. */
export function promtoolCheck(exposition: string): { code: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not runnable (install Debian's prometheus package): ${r.error.message}`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small parser for the text format, enough to read back our own samples in tests. */
export function parseExposition(text: string): { samples: ParsedSample[]; types: Map<string, string> } {
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      for (let l = re.exec(m[2]); l; l = re.exec(m[2])) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    samples.push({ name: m[1], labels, value: v });
  }
  return { samples, types };
}

export function value(samples: ParsedSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The shipped dist/exporter-linux, built by `npm run dist` when it is missing or stale (the
 * build is skipped when its inputs are unchanged). Suites run the same checks against it as
 * against the source, so that what ships is what is tested.
 */
let shipped: string | undefined;
export function shippedLinux(): string {
  if (shipped) return shipped;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ARTIFACTS } = require('../scripts/dist') as typeof import('../scripts/dist');
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'dist.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status !== 0) throw new Error(`npm run dist failed:\n${r.stdout}\n${r.stderr}`);
  return (shipped = ARTIFACTS.linux);
}

/** The two ways the exporter runs: from source (npm start) and as the shipped executable. */
export interface Flavour {
  readonly name: string;
  readonly command: () => readonly string[];
}
export const FLAVOURS: readonly Flavour[] = [
  { name: 'from source', command: () => [process.execPath, MAIN] },
  { name: 'exporter-linux', command: () => [shippedLinux()] },
];

let packaged = false;
/** `npm run package` once per test process (the executables are rebuilt only when stale). */
export function buildPackages(): void {
  if (packaged) return;
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'package.js')], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  packaged = true;
}
