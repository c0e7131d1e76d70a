// npm run bench [-- --quick] [-- --out DIR]: sys-exporter next to node_exporter, measured in the
// same run, alternating, on loopback. Writes DIR/results.md (default bench/) and results.png,
// and prints the table. This file measures; scripts/bench-report.ts renders. Every process and mount it makes is cleaned up, even on Ctrl+C.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { ARTIFACTS, BUN_EXEC_ARGV, BUN_VERSION, bunExecutable, dist, NODE_VERSION, nodeSeaLinux, runtimeBinaries } from './dist';
import { chart, NODE_EXPORTER, renderRoute, renderRoutes, renderTable, type RouteRow, type Row } from './bench-report';
import { loaderNeeds, newestVersion } from './lib/elf';
import { ROOT } from './lib/steps';
import { readStat, readStatus } from '../src/procfs_linux';

const QUICK = process.argv.includes('--quick');
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? process.argv[outArg + 1] : join(ROOT, 'bench');
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const children = new Set<ChildProcess>();
/** Exporters started through nsenter: not the bench's children, so killed by pid. */
const nsChildren = new Set<number>();
/** Each contender's stderr, kept until the bench ends. */
const LOGS = mkdtempSync(join(tmpdir(), 'sysexp-bench-logs-'));
function cleanup(): void {
  for (const pid of nsChildren) spawnSync('kill', ['-KILL', String(pid)]);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(LOGS, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function ensureTools(): void {
  const missing: string[] = [];
  if (!existsSync(NODE_EXPORTER)) missing.push('prometheus-node-exporter');
  if (spawnSync('wrk', ['-v']).error) missing.push('wrk');
  if (spawnSync('rsvg-convert', ['--version']).error) missing.push('librsvg2-bin');
  if (missing.length === 0) return;
  console.log(`bench: installing ${missing.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Contender {
  readonly name: string;
  /** argv for a given port; `prefix` runs it inside a mount namespace. */
  readonly argv: (port: number) => string[];
}

const CONTENDERS: Contender[] = [
  { name: 'node_exporter', argv: (p) => [NODE_EXPORTER, '--collector.disable-defaults', '--collector.meminfo', '--collector.filesystem', '--web.disable-exporter-metrics', `--web.listen-address=127.0.0.1:${p}`] },
  // Like node_exporter here, ours runs without its own process_* metrics: same work per scrape.
  { name: 'exporter-linux (on scrape)', argv: (p) => [ARTIFACTS.linux, `--web.listen-address=127.0.0.1:${p}`, '--web.disable-exporter-metrics'] },
  { name: 'exporter-linux (background 15s)', argv: (p) => [ARTIFACTS.linux, `--web.listen-address=127.0.0.1:${p}`, '--collection.interval=15s', '--web.disable-exporter-metrics'] },
  { name: 'from source, node 20 (on scrape)', argv: (p) => [process.execPath, join(ROOT, 'build', 'src', 'main.js'), `--web.listen-address=127.0.0.1:${p}`, '--web.disable-exporter-metrics'] },
  // The previous route, Node 22 SEA, built from the same bundle: the route table's baseline.
  { name: `exporter-linux on node ${NODE_VERSION} SEA (on scrape)`, argv: (p) => [NODE_SEA_BIN, `--web.listen-address=127.0.0.1:${p}`, '--web.disable-exporter-metrics'] },
  { name: `exporter-linux on node ${NODE_VERSION} SEA (background 15s)`, argv: (p) => [NODE_SEA_BIN, `--web.listen-address=127.0.0.1:${p}`, '--collection.interval=15s', '--web.disable-exporter-metrics'] },
];
const NODE_SEA_BIN = join(ROOT, 'build', 'bench', 'exporter-linux-node-sea');
/** Both exporters at their defaults: each with its own exporter metrics (go_/process_, process_). */
const DEFAULTS: Contender[] = [
  { name: 'node_exporter (defaults)', argv: (p) => [NODE_EXPORTER, '--collector.disable-defaults', '--collector.meminfo', '--collector.filesystem', `--web.listen-address=127.0.0.1:${p}`] },
  { name: 'exporter-linux (on scrape, defaults)', argv: (p) => [ARTIFACTS.linux, `--web.listen-address=127.0.0.1:${p}`] },
  { name: 'exporter-linux (background 15s, defaults)', argv: (p) => [ARTIFACTS.linux, `--web.listen-address=127.0.0.1:${p}`, '--collection.interval=15s'] },
  { name: `exporter-linux on node ${NODE_VERSION} SEA (on scrape, defaults)`, argv: (p) => [NODE_SEA_BIN, `--web.listen-address=127.0.0.1:${p}`] },
  { name: `exporter-linux on node ${NODE_VERSION} SEA (background 15s, defaults)`, argv: (p) => [NODE_SEA_BIN, `--web.listen-address=127.0.0.1:${p}`, '--collection.interval=15s'] },
];
const [NE, OURS, BG, SRC, OLD, OLD_BG] = CONTENDERS;

/** A runtime idling: the floor under any exporter written on it. */
const FLOORS = {
  bun: { name: `bun ${BUN_VERSION} ${BUN_EXEC_ARGV.join(' ')}`, argv: () => [runtimeBinaries.bun(), ...BUN_EXEC_ARGV, '-e', 'setInterval(()=>{},1e3)'] },
  node: { name: `node ${NODE_VERSION}`, argv: () => [runtimeBinaries.node(), '-e', 'setInterval(()=>{},1e3)'] },
};

/** The newest GLIBC_ and GLIBCXX_ versions a binary asks of the host's loader. */
function loaderFloor(file: string): string {
  const { versions } = loaderNeeds(file);
  return (['GLIBC', 'GLIBCXX'] as const).map((lib) => newestVersion(versions, lib) ?? `no ${lib}`).join(', ');
}

/** Where the reference server is built (scripts/bench-reference.ts), and its body length. */
const REFERENCE_BIN = join(ROOT, 'build', 'bench', 'http-reference');
let referenceBodyBytes = 0;
const REFERENCE: Contender = {
  name: 'Node HTTP server doing nothing else',
  argv: (p) => [REFERENCE_BIN, `--web.listen-address=127.0.0.1:${p}`, `--body-bytes=${referenceBodyBytes}`],
};

interface Running {
  name: string;
  proc: ChildProcess;
  port: number;
  pid: number;
  /** The last 4 KB the contender wrote to stderr: its crash report if it dies. */
  stderr: () => string;
}

/** How a contender's process ended, or null while it runs. */
const ended = (p: ChildProcess): string | null => (p.exitCode !== null ? `exit code ${p.exitCode}` : p.signalCode !== null ? `signal ${p.signalCode}` : null);

/** A contender that died under the bench is a finding, not something to wait for. */
function alive(r: Running): void {
  const how = ended(r.proc);
  if (how) throw new Error(`${r.name} died during the bench (${how}); its stderr ends:\n${r.stderr() || '(nothing)'}`);
}

function get(port: number, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer on port ${port} in 10 s`)));
    req.on('error', reject);
  });
}

function fetchBody(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve(Buffer.concat(parts)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer on port ${port} in 30 s`)));
    req.on('error', reject);
  });
}

/** Starts a contender; again on another port if its free port was taken before it could bind (EADDRINUSE). */
async function start(c: Contender, prefix: string[] = []): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(c, prefix);
    } catch (err) {
      if (attempt === 3 || !(err instanceof Error) || !/address already in use/i.test(err.message)) throw err;
    }
  }
}

async function startOnce(c: Contender, prefix: string[]): Promise<Running> {
  const port = await freePort();
  const [cmd, ...args] = [...prefix, ...c.argv(port)];
  console.log(`bench:   ${c.name}`); // where a stall happened, when one does
  // stderr to a file, not a pipe: a pipe the bench cannot read while wrk runs (execFileSync)
  // could hold up a contender that logs.
  const log = join(LOGS, `${port}.log`);
  const fd = openSync(log, 'w');
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  children.add(proc);
  const tail = (): string => readFileSync(log, 'utf8').slice(-4096);
  const r: Running = { name: c.name, proc, port, pid: proc.pid!, stderr: tail };
  const agent = new http.Agent();
  // Poll every 2 ms: coarser polling adds up to its interval to the start-up figure.
  let up = false;
  for (const deadline = performance.now() + 20_000; !up && performance.now() < deadline; ) {
    up = await get(port, agent).then((s) => s === 200, () => false);
    if (!up) {
      alive(r);
      await sleep(2);
    }
  }
  agent.destroy();
  if (!up) throw new Error(`${c.name} did not answer /metrics with 200 on port ${port} within 20 s; its stderr ends:\n${tail() || '(nothing)'}`);
  // With a prefix (nsenter), the exporter is the prefix's child: find the listener's pid.
  if (prefix.length) {
    r.pid = Number(execFileSync('sh', ['-c', `ss -Hltnp 'sport = :${port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2`], { encoding: 'utf8' }).trim());
    // 0 would make kill(1) signal the bench's whole process group.
    if (!(r.pid > 1)) throw new Error(`${c.name}: no process found listening on port ${port} (ss)`);
    nsChildren.add(r.pid);
  }
  return r;
}

/** SIGTERM, and the exit within 10 s that every contender owes it; fails naming the one that did not. */
async function stop(r: Running): Promise<void> {
  alive(r);
  const nested = r.pid !== r.proc.pid;
  // Through nsenter, which does not pass signals on: the exporter gets its own, and it is its
  // end that is waited for (a zombie once nsenter is gone: the namespace's init does not reap).
  if (nested) process.kill(r.pid, 'SIGTERM');
  else r.proc.kill('SIGTERM');
  const gone = (): boolean => {
    if (!nested) return ended(r.proc) !== null;
    try {
      return readStat('/proc', r.pid)[3] === 'Z';
    } catch {
      return true; // no /proc/<pid>: reaped
    }
  };
  for (const deadline = performance.now() + 10_000; !gone(); ) {
    if (performance.now() > deadline) {
      process.kill(r.pid, 'SIGKILL');
      throw new Error(`${r.name} was still running 10 s after SIGTERM; its stderr ends:\n${r.stderr() || '(nothing)'}`);
    }
    await sleep(5);
  }
  if (nested) r.proc.kill('SIGTERM');
  nsChildren.delete(r.pid);
  children.delete(r.proc);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function wrk(port: number, conns: number, seconds: number): { rps: number; p50: number; p99: number; requests: number } {
  const out = execFileSync('wrk', ['-t', String(Math.min(conns, 2)), '-c', String(conns), '-d', `${seconds}s`, '--latency', `http://127.0.0.1:${port}/metrics`], { encoding: 'utf8', timeout: (seconds + 30) * 1000, killSignal: 'SIGKILL' });
  const ms = (label: string): number => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    if (!m) throw new Error(`wrk output without ${label}:\n${out}`);
    return Number(m[1]) * (m[2] === 'us' ? 1e-3 : m[2] === 's' ? 1e3 : 1);
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
  const requests = Number(/(\d+) requests in/.exec(out)![1]);
  return { rps, p50: ms('50%'), p99: ms('99%'), requests };
}

const cpuSeconds = (pid: number): number => {
  const f = readStat('/proc', pid);
  return (Number(f[14]) + Number(f[15])) / TICKS; // utime, stime
};
/** A /proc/<pid>/status field given in kB, in bytes. */
const statusBytes = (pid: number, field: string): number => readStatus('/proc', pid, field) * 1024;
/** RSS alone: the peak is sampled during the run, where walking smaps would disturb it. */
const rss = (pid: number): number => statusBytes(pid, 'VmRSS');
const mem = (pid: number): { rss: number; anon: number } => {
  const roll = existsSync(`/proc/${pid}/smaps_rollup`) ? readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8') : '';
  const anon = /^Anonymous:\s+(\d+)/m.exec(roll);
  return { rss: rss(pid), anon: anon ? Number(anon[1]) * 1024 : statusBytes(pid, 'RssAnon') };
};

/**
 * Drops a file's pages from the page cache (sync, then fadvise DONTNEED through dd), so that
 * the process started next reads its binary from disk. Without it RSS depends on the cache's
 * history: the same exporter measured 80 MB right after the binary was written and 62 MB once
 * it had been read back from disk (a freshly written file sits in larger page-cache folios,
 * mapped whole). Every binary whose memory is compared, the floor's included, gets this.
 */
function coldStart(file: string): void {
  execFileSync('sync', [file]);
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** `n` scrapes over 4 keep-alive connections; calls `every` after each 1,000. */
async function scrapes(port: number, n: number, every?: () => void): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let left = n;
  let done = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (left-- > 0) {
        await get(port, agent);
        if (++done % 1000 === 0) every?.();
      }
    }),
  );
  agent.destroy();
}

async function latencyMs(port: number, n: number): Promise<{ p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await get(port, agent);
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  agent.destroy();
  xs.sort((a, b) => a - b);
  return { p50: xs[Math.floor(n / 2)], p99: xs[Math.min(n - 1, Math.floor(n * 0.99))] };
}

/**
 * What Prometheus does: one scrape per second per target, each on a new connection, asking for
 * gzip and OpenMetrics. All `ports` are scraped in the same seconds for `seconds`; per pid, the
 * CPU those seconds cost (idle included) and RSS and anonymous memory at the end.
 */
async function cadence(targets: Array<{ port: number; pid: number }>, seconds: number): Promise<Array<{ cpu: number; rss: number; anon: number }>> {
  const cpu0 = targets.map((t) => cpuSeconds(t.pid));
  const headers = { 'Accept-Encoding': 'gzip', Accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' };
  for (let i = 0; i < seconds; i++) {
    const tick = sleep(1000);
    await Promise.all(
      targets.map(
        (t) =>
          new Promise<void>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port: t.port, path: '/metrics', headers, agent: false, timeout: 10_000 }, (res) => {
              res.resume();
              res.on('end', resolve);
            });
            req.on('timeout', () => req.destroy());
            req.on('error', () => resolve());
            req.on('close', () => resolve()); // a destroy() without an error emits only this
          }),
      ),
    );
    await tick;
  }
  return targets.map((t, i) => ({ cpu: cpuSeconds(t.pid) - cpu0[i], ...mem(t.pid) }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  ensureTools();
  const assets = await dist();
  mkdirSync(join(ROOT, 'build', 'bench'), { recursive: true });
  await nodeSeaLinux(NODE_SEA_BIN, assets);
  mkdirSync(OUT, { recursive: true });
  const rows: Row[] = [];
  const dur = QUICK ? 1 : 5;
  const conns = [1, 4, 16];
  const tput: Record<string, Record<number, number>> = {};
  const p99: Record<string, Record<number, number>> = {};

  console.log('bench: throughput and latency');
  for (const c of conns) {
    const res = new Map<Contender, ReturnType<typeof wrk>>();
    for (const who of [NE, OURS, BG, OLD, OLD_BG, SRC]) {
      const r = await start(who);
      wrk(r.port, c, QUICK ? 1 : 2); // warm-up
      res.set(who, wrk(r.port, c, dur));
      await stop(r);
      (tput[who.name] ??= {})[c] = res.get(who)!.rps;
      (p99[who.name] ??= {})[c] = res.get(who)!.p99;
    }
    const ne = res.get(NE)!;
    for (const who of [OURS, BG, SRC]) {
      const o = res.get(who)!;
      const tag = who === OURS ? 'on scrape' : who === BG ? 'background' : 'source';
      rows.push({ section: 'throughput', measure: `${tag}, ${c} conn`, ours: o.rps, theirs: ne.rps, unit: 'req/s', target: c === 4 && who !== SRC ? (who === BG ? '>= 3' : '>= 1') : undefined });
      if (who !== SRC) rows.push({ section: 'latency', measure: `p50 ${tag}, ${c} conn`, ours: o.p50, theirs: ne.p50, unit: 'ms' });
      if (who !== SRC) rows.push({ section: 'latency', measure: `p99 ${tag}, ${c} conn`, ours: o.p99, theirs: ne.p99, unit: 'ms', target: c === 4 ? '<= 1' : undefined });
    }
  }

  console.log('bench: both at their defaults');
  const atDefaults = new Map<Contender, ReturnType<typeof wrk>>();
  for (const who of DEFAULTS) {
    const r = await start(who);
    wrk(r.port, 4, QUICK ? 1 : 2); // warm-up
    atDefaults.set(who, wrk(r.port, 4, dur));
    await stop(r);
  }
  const [NE_DEF, OURS_DEF, BG_DEF, SEA_DEF, SEA_BG_DEF] = DEFAULTS;
  rows.push({ section: 'defaults', measure: 'throughput on scrape, 4 conn', ours: atDefaults.get(OURS_DEF)!.rps, theirs: atDefaults.get(NE_DEF)!.rps, unit: 'req/s', target: '>= 3' });
  rows.push({ section: 'defaults', measure: 'throughput background, 4 conn', ours: atDefaults.get(BG_DEF)!.rps, theirs: atDefaults.get(NE_DEF)!.rps, unit: 'req/s', target: '>= 8' });

  console.log('bench: CPU and memory per scrapes');
  const counts = QUICK ? [100, 500, 1000] : [1000, 10_000, 20_000];
  const memOf = new Map<Contender, Array<{ rss: number; anon: number }>>();
  const cpuOf = new Map<Contender, number>();
  const peakOf = new Map<Contender, number>();
  // The reference is built as exporter-linux is: same runtime, same flags.
  await bunExecutable('linux', join(ROOT, 'build', 'scripts', 'bench-reference.js'), REFERENCE_BIN);
  const idleOf = new Map<Contender, { rss: number; anon: number }>();
  for (const who of [NE, OURS, OLD, REFERENCE]) {
    coldStart(who.argv(0)[0]);
    const r = await start(who);
    if (who === OURS || who === OLD || who === NE) {
      // After the one scrape that showed it is up, and after exporter-linux's start-up page
      // release (2 s after it listens): what an idle host shows between Prometheus' scrapes.
      await sleep(3000);
      idleOf.set(who, mem(r.pid));
    }
    if (who === OURS) referenceBodyBytes = (await fetchBody(r.port)).length;
    const marks: Array<{ rss: number; anon: number }> = [];
    let done = 0;
    let peak = 0;
    const cpu0 = cpuSeconds(r.pid);
    for (const n of counts) {
      await scrapes(r.port, n - done, () => (peak = Math.max(peak, rss(r.pid))));
      done = n;
      // Over the whole run: the first thousand scrapes are mostly JIT warm-up.
      if (n === counts[counts.length - 1]) cpuOf.set(who, ((cpuSeconds(r.pid) - cpu0) / n) * 1000);
      marks.push(mem(r.pid));
    }
    memOf.set(who, marks);
    peakOf.set(who, Math.max(peak, ...marks.map((m) => m.rss)));
    await stop(r);
  }
  rows.push({ section: 'cpu', measure: `CPU seconds per 1,000 scrapes`, ours: cpuOf.get(OURS)!, theirs: cpuOf.get(NE)!, unit: 's', target: '<= 0.5' });
  counts.forEach((n, i) => {
    rows.push({ section: 'memory', measure: `RSS after ${n.toLocaleString('en')} scrapes`, ours: memOf.get(OURS)![i].rss / 1e6, theirs: memOf.get(NE)![i].rss / 1e6, unit: 'MB' });
  });
  const last = memOf.get(OURS)![counts.length - 1];
  const prev = memOf.get(OURS)![counts.length - 2];
  // The floors: each runtime's pinned binary idling.
  const floorOf = async (f: (typeof FLOORS)[keyof typeof FLOORS]): Promise<{ rss: number; anon: number }> => {
    const [cmd, ...args] = f.argv();
    coldStart(cmd);
    const idle = spawn(cmd, args, { stdio: 'ignore' });
    children.add(idle);
    await sleep(500);
    const m = mem(idle.pid!);
    idle.kill();
    children.delete(idle);
    return m;
  };
  const floor = await floorOf(FLOORS.bun);
  const nodeFloor = await floorOf(FLOORS.node);
  rows.push({ section: 'memory', measure: `exporter-linux RSS vs idle ${FLOORS.bun.name} (floor)`, ours: last.rss / 1e6, theirs: floor.rss / 1e6, unit: 'MB', target: '<= 1.3' });
  rows.push({ section: 'memory', measure: `RSS after ${counts[2].toLocaleString('en')} scrapes vs an HTTP server doing nothing else (same runtime, flags and body size)`, ours: last.rss / 1e6, theirs: memOf.get(REFERENCE)![2].rss / 1e6, unit: 'MB' });
  rows.push({ section: 'memory', measure: `that HTTP server vs idle ${FLOORS.bun.name} (floor)`, ours: memOf.get(REFERENCE)![2].rss / 1e6, theirs: floor.rss / 1e6, unit: 'MB' });
  rows.push({ section: 'memory', measure: `RSS peak during the ${counts[2].toLocaleString('en')} scrapes (sampled every 1,000)`, ours: peakOf.get(OURS)! / 1e6, theirs: peakOf.get(NE)! / 1e6, unit: 'MB' });
  rows.push({ section: 'memory', measure: 'exporter-linux anonymous memory (target <= 24 MB)', ours: last.anon / 1e6, theirs: floor.anon / 1e6, unit: 'MB' });
  rows.push({ section: 'memory', measure: `RSS growth ${counts[1].toLocaleString('en')} -> ${counts[2].toLocaleString('en')} scrapes (target < 2 MB)`, ours: (last.rss - prev.rss) / 1e6, theirs: (memOf.get(NE)![2].rss - memOf.get(NE)![1].rss) / 1e6, unit: 'MB' });

  // Each shipped route at its defaults beside node_exporter at its own, at Prometheus' cadence,
  // all three scraped in the same seconds (10 minutes; the quick run 20 s).
  console.log('bench: at Prometheus\' cadence');
  const cadenceSeconds = QUICK ? 20 : 600;
  const ROUTES: Contender[] = [
    DEFAULTS[0],
    DEFAULTS[1],
    { name: `exporter-linux on node ${NODE_VERSION} SEA (defaults)`, argv: (p) => [NODE_SEA_BIN, `--web.listen-address=127.0.0.1:${p}`] },
  ];
  for (const who of ROUTES) coldStart(who.argv(0)[0]);
  const running = await Promise.all(ROUTES.map((who) => start(who)));
  const [neC, bunC, seaC] = await cadence(running, cadenceSeconds);
  for (const r of running) await stop(r);
  const minutes = QUICK ? `${cadenceSeconds} s` : `${cadenceSeconds / 60} minutes`;
  for (const [route, c] of [['Bun (Linux)', bunC], [`Node ${NODE_VERSION} SEA (Windows' runtime, its Linux twin)`, seaC]] as const) {
    rows.push({ section: 'cadence', measure: `${route}: RSS after ${minutes} at 1 scrape/s (new connection, gzip, OpenMetrics)`, ours: c.rss / 1e6, theirs: neC.rss / 1e6, unit: 'MB', target: '<= 2' });
    rows.push({ section: 'cadence', measure: `${route}: anonymous memory then`, ours: c.anon / 1e6, theirs: neC.anon / 1e6, unit: 'MB' });
    rows.push({ section: 'cadence', measure: `${route}: CPU over those ${minutes}, idle included`, ours: c.cpu, theirs: neC.cpu, unit: 's', target: '<= 1' });
  }

  console.log('bench: exec to first scrape');
  const startup = new Map<Contender, number[]>();
  for (let i = 0; i < (QUICK ? 3 : 10); i++) {
    for (const who of [NE, OURS, OLD]) {
      const t0 = performance.now();
      const r = await start(who);
      (startup.get(who) ?? startup.set(who, []).get(who)!).push(performance.now() - t0);
      await stop(r);
    }
  }
  rows.push({ section: 'startup', measure: 'exec to first successful scrape (median)', ours: median(startup.get(OURS)!), theirs: median(startup.get(NE)!), unit: 'ms', target: '<= 2' });

  console.log('bench: scaling with mounts (private mount namespace)');
  const mountCounts = QUICK ? [10, 100] : [10, 100, 1000, 3000];
  const scaling: Record<string, Record<number, number>> = {};
  for (const n of mountCounts) {
    // A holder process owns the namespaces; the mounts vanish with it. A PID namespace too, with
    // its own /proc: both exporters read <procfs>/1/mountinfo, which must be this namespace's.
    const holder = spawn('unshare', ['-m', '-p', '-f', '--kill-child', '--mount-proc', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
    children.add(holder);
    let nsPid = '';
    for (let i = 0; i < 50 && !nsPid; i++) {
      await sleep(20);
      nsPid = spawnSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' }).stdout.trim();
    }
    if (!nsPid) throw new Error('unshare did not start its namespace');
    const enter = ['nsenter', '-t', nsPid, '-m', '-p', '--'];
    execFileSync(enter[0], [...enter.slice(1), 'sh', '-c', `mkdir -p /tmp/sysexp-bench && mount -t tmpfs -o size=1m bench /tmp/sysexp-bench && i=0; while [ $i -lt ${n} ]; do mkdir /tmp/sysexp-bench/m$i && mount -t tmpfs -o size=64k m$i /tmp/sysexp-bench/m$i; i=$((i+1)); done`]);
    for (const who of [NE, OURS]) {
      const r = await start(who, enter);
      const seen = (await fetchBody(r.port)).toString().split('\n').filter((l) => /^(node_filesystem_size_bytes|sys_disk_size_bytes)\{.*sysexp-bench\/m/.test(l)).length;
      if (seen !== n) throw new Error(`${who.name} sees ${seen} of the ${n} mounts`);
      await latencyMs(r.port, 3);
      (scaling[who.name] ??= {})[n] = (await latencyMs(r.port, QUICK ? 10 : n >= 1000 ? 30 : 100)).p50;
      await stop(r);
    }
    holder.kill('SIGKILL');
    children.delete(holder);
    rows.push({ section: 'scaling', measure: `p50 latency with ${n.toLocaleString('en')} mounts`, ours: scaling[OURS.name][n], theirs: scaling[NE.name][n], unit: 'ms', target: n === 1000 ? '<= 2' : undefined });
  }

  rows.push({ section: 'size', measure: 'executable size', ours: statSync(ARTIFACTS.linux).size / 1e6, theirs: statSync(NODE_EXPORTER).size / 1e6, unit: 'MB' });
  rows.push({ section: 'size', measure: 'exporter-windows.exe size (vs node_exporter for Linux)', ours: statSync(ARTIFACTS.windows).size / 1e6, theirs: statSync(NODE_EXPORTER).size / 1e6, unit: 'MB' });

  // The route: Bun (shipped) against the Node 22 SEA it replaced, from the same run.
  const route: Row[] = [];
  const both = (measure: string, unit: string, better: 'lower' | 'higher', ours: number, old: number): void => {
    route.push({ section: 'route', measure, ours, theirs: old, unit, target: better === 'lower' ? '<= 1.1' : '>= 0.9' });
  };
  both('executable size', 'MB', 'lower', statSync(ARTIFACTS.linux).size / 1e6, statSync(NODE_SEA_BIN).size / 1e6);
  both('RSS idle (3 s after the first scrape)', 'MB', 'lower', idleOf.get(OURS)!.rss / 1e6, idleOf.get(OLD)!.rss / 1e6);
  both(`RSS after ${counts[2].toLocaleString('en')} scrapes`, 'MB', 'lower', last.rss / 1e6, memOf.get(OLD)![2].rss / 1e6);
  both(`anonymous memory after ${counts[2].toLocaleString('en')} scrapes`, 'MB', 'lower', last.anon / 1e6, memOf.get(OLD)![2].anon / 1e6);
  both(`its runtime idling (floor)`, 'MB', 'lower', floor.rss / 1e6, nodeFloor.rss / 1e6);
  both('CPU seconds per 1,000 scrapes', 's', 'lower', cpuOf.get(OURS)!, cpuOf.get(OLD)!);
  for (const c of conns) both(`throughput on scrape, ${c} conn`, 'req/s', 'higher', tput[OURS.name][c], tput[OLD.name][c]);
  both('throughput background, 4 conn', 'req/s', 'higher', tput[BG.name][4], tput[OLD_BG.name][4]);
  for (const c of conns) both(`p99 latency on scrape, ${c} conn`, 'ms', 'lower', p99[OURS.name][c], p99[OLD.name][c]);
  both('p99 latency background, 4 conn', 'ms', 'lower', p99[BG.name][4], p99[OLD_BG.name][4]);
  both('exec to first successful scrape (median)', 'ms', 'lower', median(startup.get(OURS)!), median(startup.get(OLD)!));
  const floors = { ours: loaderFloor(ARTIFACTS.linux), old: loaderFloor(NODE_SEA_BIN) };

  // Issue 24's targets, for each shipped route beside node_exporter, from the figures above.
  const [ne20k, bun20k, sea20k] = [NE, OURS, OLD].map((who) => memOf.get(who)![counts.length - 1]);
  const [neDef, bunDef, bunBgDef, seaDef, seaBgDef] = [NE_DEF, OURS_DEF, BG_DEF, SEA_DEF, SEA_BG_DEF].map((who) => atDefaults.get(who)!);
  const n20k = counts[counts.length - 1].toLocaleString('en');
  const perRoute: RouteRow[] = [
    { measure: 'RSS idle, 3 s after the first scrape (no exporter metrics)', unit: 'MB', ne: idleOf.get(NE)!.rss / 1e6, bun: idleOf.get(OURS)!.rss / 1e6, sea: idleOf.get(OLD)!.rss / 1e6 },
    { measure: `RSS after ${n20k} scrapes at 4 connections (no exporter metrics)`, unit: 'MB', ne: ne20k.rss / 1e6, bun: bun20k.rss / 1e6, sea: sea20k.rss / 1e6, target: '<= 2' },
    { measure: `anonymous memory after those ${n20k} scrapes`, unit: 'MB', ne: ne20k.anon / 1e6, bun: bun20k.anon / 1e6, sea: sea20k.anon / 1e6 },
    { measure: `CPU seconds per 1,000 of those ${n20k} scrapes`, unit: 's', ne: cpuOf.get(NE)!, bun: cpuOf.get(OURS)!, sea: cpuOf.get(OLD)!, target: '<= 0.5' },
    { measure: `RSS after ${minutes} at 1 scrape/s (new connection, gzip, OpenMetrics; defaults)`, unit: 'MB', ne: neC.rss / 1e6, bun: bunC.rss / 1e6, sea: seaC.rss / 1e6, target: '<= 2' },
    { measure: `anonymous memory after those ${minutes} at 1 scrape/s`, unit: 'MB', ne: neC.anon / 1e6, bun: bunC.anon / 1e6, sea: seaC.anon / 1e6 },
    { measure: `CPU over those ${minutes} at 1 scrape/s, idle included`, unit: 's', ne: neC.cpu, bun: bunC.cpu, sea: seaC.cpu, target: '<= 1' },
    { measure: 'exec to first successful scrape, median (no exporter metrics)', unit: 'ms', ne: median(startup.get(NE)!), bun: median(startup.get(OURS)!), sea: median(startup.get(OLD)!), target: '<= 2' },
    { measure: 'scrapes/s on scrape, 4 connections (defaults)', unit: 'req/s', ne: neDef.rps, bun: bunDef.rps, sea: seaDef.rps, target: '>= 3' },
    { measure: 'scrapes/s in background (15 s), 4 connections (defaults; node_exporter on scrape, it has no background mode)', unit: 'req/s', ne: neDef.rps, bun: bunBgDef.rps, sea: seaBgDef.rps, target: '>= 8' },
    { measure: 'p99 on scrape, 4 connections (defaults)', unit: 'ms', ne: neDef.p99, bun: bunDef.p99, sea: seaDef.p99, target: '<= 1' },
    { measure: 'p99 in background, 4 connections (defaults; node_exporter on scrape)', unit: 'ms', ne: neDef.p99, bun: bunBgDef.p99, sea: seaBgDef.p99, target: '<= 1' },
  ];

  const md = `${renderTable(rows, floor, QUICK)}\n${renderRoute(route, floors)}\n${renderRoutes(perRoute)}`;
  writeFileSync(join(OUT, 'results.md'), md);
  writeFileSync(join(OUT, 'results.svg'), chart(scaling, mountCounts, Object.fromEntries([NE, OURS, BG, SRC].map((c) => [c.name, tput[c.name]])), conns));
  execFileSync('rsvg-convert', ['-o', join(OUT, 'results.png'), join(OUT, 'results.svg')]);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
