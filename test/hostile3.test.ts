// Hostile input, round three, from source and against the shipped executable: many healthy
// FUSE mounts (any user can make them with fusermount3), hasty clients beside a patient
// Prometheus, a mount inside a FUSE mount whose daemon stops answering, dead FUSE mounts across
// restarts, and the exporter as PID 1. FUSE filesystems come from test/fuse/manyfs.py: one
// process serving any number of mounts, each healthy, slow, dead or frozen on demand.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probePaths } from '../src/collectors/disk/statfs_probe_linux';
import { readArgv, readStat, readStatus } from '../src/procfs_linux';
import { mountMany, type ManyFs, type Mode } from './fuse/many';
import { fuseUnavailable } from './fuse/mount';
import { ended, FLAVOURS, freePort, parseExposition, request, sleep, startExporter, value, type Exporter } from './helpers';

const skip = fuseUnavailable() ?? (process.getuid?.() === 0 ? undefined : 'needs root to mount');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const TICK = 100; // USER_HZ: /proc/PID/stat counts CPU in 1/100 s

/** CPU seconds a process and its waited-for children have used (utime, stime, cutime, cstime). */
function cpuSeconds(pid: number): number {
  const f = readStat('/proc', pid);
  return (Number(f[14]) + Number(f[15]) + Number(f[16]) + Number(f[17])) / TICK;
}

/** Processes (pid, state, parent) whose command line is a statfs probe naming one of `paths`. */
function probesOf(paths: readonly string[]): Array<{ pid: number; state: string; ppid: number }> {
  const want = new Set(paths);
  const out: Array<{ pid: number; state: string; ppid: number }> = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!probePaths(readArgv('/proc', p))?.some((x) => want.has(x))) continue;
      const f = readStat('/proc', p);
      out.push({ pid: Number(p), state: f[3], ppid: Number(f[4]) });
    } catch {
      // gone
    }
  }
  return out;
}

/** Children of `pid` that are zombies (ended, never reaped). */
function zombiesOf(pid: number): number {
  let n = 0;
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const f = readStat('/proc', p);
      if (f[3] === 'Z' && Number(f[4]) === pid) n++;
    } catch {
      // gone
    }
  }
  return n;
}

/** Scrapes `n` times; the samples of the last, and each scrape's wall time. */
async function scrapes(exp: Exporter, n: number, headers = {}): Promise<{ took: number[]; text: string }> {
  const took: number[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await exp.scrape(headers);
    took.push(performance.now() - t0);
    assert.equal(r.status, 200);
    text = r.body.toString();
  }
  return { took, text };
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Polls /-/healthy on a new connection every 10 ms while `during` runs; the slowest answer in ms. */
async function slowestHealthy(base: string, during: Promise<unknown>): Promise<number> {
  let done = false;
  let worst = 0;
  void during.finally(() => (done = true));
  while (!done) {
    const t0 = performance.now();
    const r = await request(`${base}/-/healthy`, {}, 'GET', 5000);
    assert.equal(r.status, 200);
    worst = Math.max(worst, performance.now() - t0);
    await sleep(10);
  }
  return worst;
}

describe('many FUSE mounts, hasty clients, hung FUSE parents, restarts', { skip }, () => {
  let dir: string;
  const fses: ManyFs[] = [];
  const exporters: Exporter[] = [];
  const many = async (modes: readonly Mode[], name?: (i: number) => string): Promise<ManyFs> => {
    const fs = await mountMany(mkdtempSync(join(dir, 'fs-')), modes, name);
    fses.push(fs);
    return fs;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-h3-'));
  });
  after(async () => {
    for (const e of exporters) if (e.proc.exitCode === null && e.proc.signalCode === null) e.proc.kill('SIGKILL');
    for (const f of fses) await f.stop();
    await Promise.all(exporters.map((e) => e.exited));
    spawnSync('umount', ['-R', '-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('1,000 healthy FUSE mounts', () => {
    let fs: ManyFs;
    before(async () => {
      fs = await many(Array.from({ length: 1000 }, (): Mode => 'ok'));
    });
    after(() => fs.stop());

    for (const flavour of FLAVOURS) {
      it(`${flavour.name}: every scrape within its deadline with each mount's own figures, /-/healthy under 100 ms meanwhile (1.0: 5.9-8.9 s, 83 % errors)`, async () => {
        const exp = await startExporter(['--collector.timeout=5s', '--no-collector.memory'], process.env, flavour.command());
        exporters.push(exp);
        for (let round = 0; round < 3; round++) {
          const scrape = scrapes(exp, 1);
          const worst = await slowestHealthy(exp.base, scrape);
          const { took, text } = await scrape;
          console.log(`# ${flavour.name}, 1,000 FUSE mounts, scrape ${round}: ${took[0].toFixed(0)} ms, slowest /-/healthy meanwhile ${worst.toFixed(0)} ms`);
          assert.ok(took[0] < 5000, `scrape ${round} took ${took[0].toFixed(0)} ms`);
          // The first scrape also reads a mount table grown by 1,000 and renders their label
          // sets: from source that holds the event loop up to about 150 ms once.
          assert.ok(worst < (round === 0 ? 250 : 100), `/-/healthy took ${worst.toFixed(0)} ms during scrape ${round}`);
          const { samples } = parseExposition(text);
          const wrong = fs.paths.filter((p, i) => value(samples, 'sys_disk_size_bytes', { mountpoint: p }) !== (1000 + i) * 4096);
          assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of 1,000 mounts without their figures in scrape ${round}`);
        }
        await exp.stop();
      });
    }

    it("exporter-linux's CPU per scrape, its probes included, within 3x node_exporter's on the same mounts (1.0: ~10 ms per mount)", { skip: spawnSync(NODE_EXPORTER, ['--version']).error ? 'no node_exporter' : undefined }, async () => {
      const N = 8;
      const ours = await startExporter(['--collector.timeout=5s', '--no-collector.memory', '--web.disable-exporter-metrics'], process.env, FLAVOURS[1].command());
      exporters.push(ours);
      const port = await freePort();
      const theirs = spawn(NODE_EXPORTER, ['--collector.disable-defaults', '--collector.filesystem', '--web.disable-exporter-metrics', `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 50 && !(await request(`http://127.0.0.1:${port}/metrics`).then(() => true, () => false)); i++) await sleep(100);
        const cost = async (pid: number, scrape: () => Promise<unknown>): Promise<number> => {
          await scrape(); // first discovery
          const c0 = cpuSeconds(pid);
          for (let i = 0; i < N; i++) await scrape();
          return (cpuSeconds(pid) - c0) / N;
        };
        const mine = await cost(ours.proc.pid!, () => ours.scrape());
        const node = await cost(theirs.pid!, () => request(`http://127.0.0.1:${port}/metrics`));
        console.log(`# CPU per scrape with 1,000 FUSE mounts: exporter-linux ${(mine * 1000).toFixed(0)} ms (children included), node_exporter ${(node * 1000).toFixed(0)} ms: ${(mine / node).toFixed(2)}x`);
        assert.ok(mine <= 3 * node, `${(mine * 1000).toFixed(0)} ms vs node_exporter's ${(node * 1000).toFixed(0)} ms`);
      } finally {
        theirs.kill('SIGKILL');
        await ours.stop();
      }
    });
  });

  for (const flavour of FLAVOURS) {
    it(`${flavour.name}: 50 FUSE mounts a user could make cost a scrape less than 50 ms (1.0: 2 ms -> 505 ms)`, async () => {
      const exp = await startExporter(['--no-collector.memory'], process.env, flavour.command());
      exporters.push(exp);
      await scrapes(exp, 3);
      const without = median((await scrapes(exp, 9)).took);
      const fs = await many(Array.from({ length: 50 }, (): Mode => 'ok'));
      const first = await scrapes(exp, 1);
      assert.equal(value(parseExposition(first.text).samples, 'sys_disk_size_bytes', { mountpoint: fs.paths[49] }), 1049 * 4096);
      const withFuse = median((await scrapes(exp, 9)).took);
      console.log(`# ${flavour.name}: median scrape ${without.toFixed(1)} ms without, ${withFuse.toFixed(1)} ms with 50 FUSE mounts`);
      assert.ok(withFuse - without < 50, `${without.toFixed(1)} -> ${withFuse.toFixed(1)} ms`);
      await exp.stop();
      await fs.stop();
    });
  }

  it("exporter-linux: four clients with a 1 s deadline never fail a patient Prometheus's slow mounts (1.0: 20 of 20 scrapes failed a 1.5 s mount)", async () => {
    const fs = await many(['slow=1500', 'slow=700', ...Array.from({ length: 150 }, (): Mode => 'ok')]);
    const exp = await startExporter(['--collector.timeout=10s', '--no-collector.memory'], process.env, FLAVOURS[1].command());
    exporters.push(exp);
    let stop = false;
    const hasty = Array.from({ length: 4 }, async () => {
      while (!stop) await exp.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '1' }).catch(() => undefined);
    });
    let failed = 0;
    for (let i = 0; i < 8; i++) {
      const r = await exp.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '10' });
      const { samples } = parseExposition(r.body.toString());
      failed += fs.paths.some((p) => value(samples, 'sys_disk_device_error', { mountpoint: p }) !== 0) ? 1 : 0;
    }
    stop = true;
    await Promise.all(hasty);
    assert.equal(failed, 0, `${failed} of 8 of Prometheus's scrapes had a failed FUSE mount`);
    await exp.stop();
  });

  for (const flavour of FLAVOURS) {
    it(`${flavour.name}: a tmpfs inside a FUSE mount whose daemon stops answering fails in time, and stop completes (1.0: a zombie SIGKILL could not end)`, async () => {
      const fs = await many(['freeze']);
      const inner = join(fs.paths[0], 'sub');
      assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', inner]).status, 0);
      const exp = await startExporter(['--collector.timeout=1s', '--no-collector.memory'], process.env, flavour.command());
      exporters.push(exp);
      const before = parseExposition((await exp.scrape()).body.toString()).samples;
      assert.equal(value(before, 'sys_disk_size_bytes', { mountpoint: inner }), 8 * 1024 * 1024);
      fs.freeze();
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const r = await exp.scrape();
        assert.ok(Date.now() - t0 < 1500, `scrape ${i} took ${Date.now() - t0} ms`);
        assert.equal(value(parseExposition(r.body.toString()).samples, 'sys_disk_device_error', { mountpoint: inner }), 1);
      }
      exp.proc.kill('SIGTERM');
      assert.match(await ended(exp, 7000), /^exit 0$|^SIGTERM$/);
    });
  }

  it('exporter-linux: dead FUSE mounts leave one stuck probe each, however often the exporter restarts (1.0: 100 more per restart)', async () => {
    const modes: Mode[] = ['ok', 'dead', 'ok', 'dead', 'dead', 'ok', 'dead', 'dead'];
    const fs = await many(modes);
    const dead = fs.paths.filter((_, i) => modes[i] === 'dead');
    const counts: number[] = [];
    for (let run = 0; run < 3; run++) {
      const exp = await startExporter(['--collector.timeout=1s', '--no-collector.memory'], process.env, FLAVOURS[1].command());
      exporters.push(exp);
      for (let i = 0; i < 3; i++) {
        const { samples } = parseExposition((await exp.scrape()).body.toString());
        for (const [j, p] of fs.paths.entries()) {
          assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: p }), modes[j] === 'dead' ? 1 : 0, `${p} in run ${run}`);
        }
      }
      exp.proc.kill('SIGTERM');
      assert.match(await ended(exp, 7000), /^exit 0$|^SIGTERM$/);
      counts.push(probesOf(fs.paths).length);
    }
    assert.deepEqual(counts, [dead.length, dead.length, dead.length], 'stuck probes after each of three runs');
    await fs.stop();
    await sleep(500);
    assert.deepEqual(probesOf(fs.paths), [], 'released with their daemon');
  });

  it('exporter-linux as PID 1 (a container): probes released from a dead daemon leave no zombie (1.0: one per dead mount, never reaped)', async () => {
    const fs = await many(['dead', 'dead', 'dead', 'ok', 'dead', 'dead']);
    const port = await freePort();
    const unshare = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', FLAVOURS[1].command()[0], `--web.listen-address=127.0.0.1:${port}`, '--collector.timeout=1s'], { stdio: 'ignore' });
    try {
      let pid1 = 0;
      for (let i = 0; i < 100 && !pid1; i++) {
        await sleep(50);
        pid1 = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
      }
      for (let i = 0; i < 50 && !(await request(`http://127.0.0.1:${port}/-/healthy`).then(() => true, () => false)); i++) await sleep(100);
      for (let i = 0; i < 3; i++) await request(`http://127.0.0.1:${port}/metrics`);
      // Past the probes' own time limit (`timeout` kills stat after 2 x 1 s + 1 s): 1.0's
      // `timeout -s KILL` killed itself there and orphaned stat to PID 1.
      await sleep(4000);
      await fs.stop(); // the stuck probes end now
      await sleep(1000);
      assert.equal(zombiesOf(pid1), 0, 'zombie children of the exporter');
    } finally {
      spawnSync('pkill', ['-KILL', '-P', String(unshare.pid)]); // while it is still their parent
      unshare.kill('SIGKILL');
    }
  });
});

/** Connections that send pipelined requests as fast as the server takes them and never read; a child process of its own. */
function pipeliner(port: number, conns: number, o: { tls?: boolean; auth?: string } = {}): ChildProcess {
  const script = `
    const net = require('net'), tls = require('tls');
    const one = 'GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n' + ${JSON.stringify(o.auth ? `Authorization: Basic ${Buffer.from(o.auth).toString('base64')}\r\n` : '')} + '\\r\\n';
    const chunk = Buffer.from(one.repeat(64));
    for (let i = 0; i < ${conns}; i++) {
      const s = ${o.tls ? `tls.connect({ port: ${port}, host: '127.0.0.1', rejectUnauthorized: false })` : `net.connect(${port}, '127.0.0.1')`};
      s.on('error', () => {});
      s.on('${o.tls ? 'secureConnect' : 'connect'}', () => {
        s.pause();
        const pump = () => { while (!s.destroyed) if (!s.write(chunk)) return s.once('drain', pump); };
        pump();
      });
    }`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

const rssMB = (pid: number): number => readStatus('/proc', pid, 'VmRSS') / 1024;

/** A GET on a new connection (HTTPS trusting anything, for a self-signed certificate); ms, or Infinity when it failed. */
function timedGet(url: string, auth?: string): Promise<number> {
  const t0 = performance.now();
  const mod = url.startsWith('https') ? (require('node:https') as typeof import('node:https')) : (require('node:http') as typeof import('node:http'));
  return new Promise((resolve) => {
    const req = mod.get(url, { agent: false, timeout: 2000, rejectUnauthorized: false, auth }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : Infinity));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(Infinity));
  });
}

describe('pipelining without reading, and idle TLS connections', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-pipe-'));
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-subj', '/CN=127.0.0.1'], { cwd: dir });
    assert.equal(r.status, 0, String(r.stderr));
    const hash = (require('bcryptjs') as typeof import('bcryptjs')).hashSync('secret', 10);
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\nbasic_auth_users:\n  prom: ${hash}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const flavour of FLAVOURS) {
    for (const tls of [false, true]) {
      const route = tls ? 'TLS and basic auth' : 'plain HTTP';
      it(`${flavour.name}, ${route}: 20 connections pipelining for 8 s leave memory bounded and /-/healthy answering; what they queued goes with them (1.0: 8.7 GB)`, async () => {
        const exp = await startExporter(tls ? [`--web.config.file=${join(dir, 'web.yml')}`] : [], process.env, flavour.command());
        const port = Number(new URL(exp.base).port);
        const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
        const auth = tls ? 'prom:secret' : undefined;
        try {
          for (let i = 0; i < 3; i++) assert.ok((await timedGet(`${base}/metrics`, auth)) < Infinity);
          const rss0 = rssMB(exp.proc.pid!);
          const attack = pipeliner(port, 20, { tls, auth });
          let peak = rss0;
          const healthy: number[] = [];
          const until = Date.now() + 8000;
          while (Date.now() < until) {
            healthy.push(await timedGet(`${base}/-/healthy`, auth));
            peak = Math.max(peak, rssMB(exp.proc.pid!));
            await sleep(200);
          }
          attack.kill('SIGKILL');
          await sleep(3000);
          const after = rssMB(exp.proc.pid!);
          const slow = healthy.filter((ms) => ms > 100);
          console.log(`# ${flavour.name}, ${route}: RSS ${rss0.toFixed(0)} -> peak ${peak.toFixed(0)} -> ${after.toFixed(0)} MB 3 s after; /-/healthy ${healthy.length} times, slowest ${Math.max(...healthy).toFixed(0)} ms`);
          assert.ok(peak - rss0 < 100, `RSS grew ${(peak - rss0).toFixed(0)} MB under the attack`);
          assert.ok(after - rss0 < 40, `RSS ${(after - rss0).toFixed(0)} MB above its start after the clients left`);
          assert.ok(slow.length <= 1, `/-/healthy over 100 ms ${slow.length} of ${healthy.length} times: ${slow.map((x) => x.toFixed(0)).join(', ')}`);
          assert.ok((await timedGet(`${base}/metrics`, auth)) < Infinity, 'scrapes after it');
        } finally {
          await exp.stop();
        }
      });
    }

    it(`${flavour.name}: 200 TLS connections that finish the handshake and send nothing are closed within 10 s (1.0: the executable kept 500 open after 62 s)`, async () => {
      const exp = await startExporter([`--web.config.file=${join(dir, 'web.yml')}`], process.env, flavour.command());
      const port = Number(new URL(exp.base).port);
      const tlsMod = require('node:tls') as typeof import('node:tls');
      try {
        const t0 = Date.now();
        const closedAt = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            new Promise<number>((resolve) => {
              const s = tlsMod.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
                if (i % 2) s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'); // half the requests half sent
              });
              s.on('error', () => undefined);
              s.resume(); // read the 408 Node sends before it closes: a paused socket never sees the end
              s.on('close', () => resolve(Date.now() - t0));
              setTimeout(() => s.destroy(), 20_000);
            }),
          ),
        );
        const last = Math.max(...closedAt);
        console.log(`# ${flavour.name}: 200 idle TLS connections closed by ${(last / 1000).toFixed(1)} s`);
        assert.ok(last < 10_000, `the last closed after ${last} ms`);
      } finally {
        await exp.stop();
      }
    });
  }
});
