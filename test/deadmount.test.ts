// Mounts whose statfs never answers (FUSE, like an NFS mount whose server is gone), run from
// source and as the shipped executable: the exporter must keep answering in bounded time, flag
// each dead mount, keep every other metric right, and stop when told to, however many hang.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fuseUnavailable, hangIn, mountDead, releaseDead, type DeadMount } from './fuse/mount';
import { readStatus } from '../src/procfs_linux';
import { ended, FLAVOURS, parseExposition, promtoolCheck, request, sleep, startExporter, statf, value, type Exporter, type ParsedSample } from './helpers';

const skip = fuseUnavailable();
if (skip) console.log(`# SKIP dead-mount tests: ${skip}`);

const DEAD = 6; // more than libuv's default pool of 4

for (const flavour of FLAVOURS) {
  describe(`dead mounts (${flavour.name})`, { skip }, () => {
    let dir: string;
    const mounts: DeadMount[] = [];
    const exporters: Exporter[] = [];
    const start = async (args: string[]): Promise<Exporter> => {
      const e = await startExporter(args, process.env, flavour.command());
      exporters.push(e);
      return e;
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sysexp-dead-'));
      for (let i = 0; i < DEAD; i++) {
        const p = join(dir, `dead ${i}`); // a space too: labels must stay valid
        mkdirSync(p);
        mounts.push(await mountDead(p));
      }
    });

    after(async () => {
      // Always: free stuck callers, unmount, then let the exporters finish exiting.
      for (const m of mounts) releaseDead(m);
      for (const e of exporters) if (e.proc.exitCode === null && e.proc.signalCode === null) e.proc.kill('SIGKILL');
      await Promise.all(exporters.map((e) => e.exited));
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers every scrape within the deadline, flagging each dead mount, and skips known-hung mounts at once', async () => {
      const exp = await start(['--collector.timeout=1s']);
      const root = statf('/');
      for (let round = 0; round < 4; round++) {
        const t0 = Date.now();
        const r = await exp.scrape();
        const took = Date.now() - t0;
        assert.equal(r.status, 200);
        // Until a call has been out for the 1 s timeout, a scrape waits for it up to its
        // deadline; after that the mount counts as hung and is skipped at once.
        assert.ok(took < (round < 2 ? 1500 : 300), `scrape ${round} took ${took} ms`);
        const text = r.body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        const { samples } = parseExposition(text);
        for (const m of mounts) {
          assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: m.path }), 1, m.path);
          assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: m.path }), undefined);
        }
        if (round >= 2) assert.equal(value(samples, 'sys_disk_hung_statfs_calls'), DEAD);
        assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: '/' }), 0);
        assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' }), root.size);
        assert.ok(value(samples, 'sys_memory_total_bytes')! > 0);
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'memory' }), 1);
      }
      // Async gzip shares libuv's pool with statfs: it must still get a thread.
      const z = await exp.scrape({ 'Accept-Encoding': 'gzip' });
      assert.equal(z.headers['content-encoding'], 'gzip');
      assert.match(gunzipSync(z.body).toString(), /^sys_memory_total_bytes \d+$/m);
    });

    it('honours X-Prometheus-Scrape-Timeout-Seconds and --web.max-requests while a scrape is stuck', async () => {
      const exp = await start(['--collector.timeout=10s', '--web.max-requests=1']);
      const t0 = Date.now();
      const first = exp.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '2' });
      await sleep(300);
      const second = await exp.scrape();
      assert.equal(second.status, 503, 'over --web.max-requests');
      const r = await first;
      const took = Date.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(took < 2000, `the header's 2 s minus 0.5 s bounds the scrape, not the 10 s timeout: ${took} ms`);
      const { samples } = parseExposition(r.body.toString());
      assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: mounts[0].path }), 1);
    });

    for (const [mode, args] of [['on scrape', []], ['background', ['--collection.interval=30s']]] as const) {
      it(`gives a scrape that joins a running collection its own deadline (${mode})`, async () => {
        const exp = await start(['--collector.timeout=10s', ...args]);
        try {
          void exp.scrape().catch(() => undefined); // no header: its collection may take 10 s
          await sleep(200);
          const t0 = Date.now();
          const r = await exp.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '3' });
          const took = Date.now() - t0;
          assert.equal(r.status, 200);
          assert.ok(took < 3000, `a scrape with a 3 s timeout answered after ${took} ms`);
          const { samples } = parseExposition(r.body.toString());
          assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: mounts[0].path }), 1);
          assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: '/' }), 0);
        } finally {
          exp.proc.kill('SIGKILL');
        }
      });
    }

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`stops on ${signal} within the 5 s grace plus 1 s while statfs calls stay hung, cleanly`, async () => {
        const exp = await start(['--collector.timeout=500ms']);
        const { samples } = parseExposition((await exp.scrape()).body.toString());
        assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: mounts[0].path }), 1);
        const t0 = Date.now();
        exp.proc.kill(signal);
        // A service manager records a clean stop for exit 0 or death by the signal it sent;
        // anything else (still running, so that it ends in its own SIGKILL) is a failed stop.
        const how = await ended(exp, 6000);
        assert.ok(how === 'exit 0' || how === signal, `after ${signal}: ${how} (${Date.now() - t0} ms)\n${exp.stderr()}`);
        assert.match(exp.stderr(), /msg="shutting down"/);
      });
    }

    it('stops on SIGTERM while a statfs on a pool thread waits killably (as on a dead NFS server)', async () => {
      // A FUSE mount at a path that is not UTF-8 cannot be handed to a probe's command line, so
      // it is asked on a pool thread. With its single-threaded daemon stuck in one statfs, the
      // exporter's request waits in the kernel's queue: killable, as a hard NFS mount's wait.
      const at = Buffer.concat([Buffer.from(join(dir, 'queued-')), Buffer.from([0xff])]);
      mkdirSync(at);
      const pending = await mountDead(at, undefined, { single: true });
      mounts.push(pending);
      const blocker = hangIn(pending);
      try {
        await sleep(300);
        const exp = await start(['--collector.timeout=500ms']);
        const { samples } = parseExposition((await exp.scrape()).body.toString());
        assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: pending.path }), 1);
        exp.proc.kill('SIGTERM');
        const how = await ended(exp, 6000);
        assert.ok(how === 'exit 0' || how === 'SIGTERM', `after SIGTERM: ${how}\n${exp.stderr()}`);
      } finally {
        releaseDead(pending);
        blocker.kill('SIGKILL');
      }
    });
  });
}

/** The healthy mounts and their figures as `stat -f` reads them. */
interface Healthy {
  readonly path: string;
  readonly size: number;
}

describe('any number of dead mounts (exporter-linux)', { skip }, () => {
  const flavour = FLAVOURS.find((f) => f.name === 'exporter-linux')!;
  let dir: string;
  let revive: string;
  const dead: DeadMount[] = [];
  const healthy: Healthy[] = [];
  let exp: Exporter | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-many-'));
    revive = join(dir, 'server-is-back');
  });

  after(async () => {
    for (const m of dead) releaseDead(m);
    if (exp && exp.proc.exitCode === null && exp.proc.signalCode === null) exp.proc.kill('SIGKILL');
    await exp?.exited;
    for (const h of healthy) spawnSync('umount', ['-l', h.path]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Adds dead mounts up to `total`, then three healthy tmpfs mounts after them in mount order. */
  async function grow(total: number): Promise<void> {
    const batch: Promise<DeadMount>[] = [];
    for (let i = dead.length; i < total; i++) {
      const p = join(dir, `dead-${i}`);
      mkdirSync(p);
      batch.push(mountDead(p, revive));
    }
    dead.push(...(await Promise.all(batch)));
    for (let i = 0; i < 3; i++) {
      const p = join(dir, `ok-${healthy.length}`);
      mkdirSync(p);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${(healthy.length + 1) * 4}m`, 'sysexp-ok', p]);
      healthy.push({ path: p, size: statf(p).size });
    }
  }

  function checkHealthy(samples: ParsedSample[], when: string): void {
    for (const h of [{ path: '/', size: statf('/').size }, ...healthy]) {
      assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: h.path }), 0, `${when}: ${h.path} reported as failing`);
      assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: h.path }), h.size, `${when}: size of ${h.path}`);
    }
  }

  it('reports every healthy mount with its figures after the first scrape, with 4, 28, 29 and 100 dead', async () => {
    exp = await startExporter(['--collector.timeout=1s'], process.env, flavour.command());
    for (const n of [4, 28, 29, 100]) {
      await grow(n);
      // The first scrape after new dead mounts appear may wait out its deadline for them.
      const first = await exp.scrape();
      assert.equal(first.status, 200);
      for (let round = 0; round < 4; round++) {
        const t0 = Date.now();
        const r = await exp.scrape();
        const took = Date.now() - t0;
        assert.ok(took < 1200, `${n} dead, scrape ${round}: ${took} ms, over the 1 s deadline`);
        const text = r.body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        const { samples } = parseExposition(text);
        checkHealthy(samples, `${n} dead, scrape ${round}`);
        for (const m of dead) assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: m.path }), 1, `${n} dead: ${m.path}`);
      }
    }
  });

  it('keeps its memory, descriptors and threads flat over 10,000 scrapes with 100 dead mounts', async () => {
    const pid = exp!.proc.pid!;
    const status = (field: string): number => readStatus('/proc', pid, field);
    const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;
    const scrapes = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) assert.equal((await request(`${exp!.base}/metrics`)).status, 200);
    };
    // Warm-up: the allocator's working set grows for the first several thousand scrapes.
    await scrapes(6000);
    const before = { fds: fds(), threads: status('Threads') };
    const anon: number[] = [];
    for (let k = 0; k < 50; k++) {
      await scrapes(200);
      anon.push(status('RssAnon') / 1024);
    }
    const end = { fds: fds(), threads: status('Threads') };
    console.log(`# anonymous RSS (MiB) every 200 scrapes with 100 dead mounts, after 6,000: ${anon.map((v) => v.toFixed(1)).join(' ')}`);
    console.log(`# descriptors ${before.fds} -> ${end.fds}, threads ${before.threads} -> ${end.threads}`);
    // Every 30 s the 100 dead mounts are probed again and the probes' buffers lift RSS by up to
    // 30 MiB for a while, only ever up, so compare floors. Even floors wander: 39 to 49 MiB in
    // 5,000-scrape windows over 40,000 scrapes, with no trend. So this bound catches leaks tied to
    // the dead mounts (one lost waiter per mount per scrape is 100+ MiB here), not a few hundred
    // bytes a scrape; the descriptor and thread counts below are exact.
    const growth = Math.min(...anon.slice(25)) - Math.min(...anon.slice(0, 25));
    assert.ok(growth < 16, `anonymous RSS floor rose ${growth.toFixed(1)} MiB from the first 5,000 scrapes to the last`);
    // Probes in flight hold a few descriptors each; a leak per scrape would hold thousands.
    assert.ok(end.fds - before.fds < 100, `descriptors ${before.fds} -> ${end.fds}`);
    assert.ok(end.threads - before.threads < 8, `threads ${before.threads} -> ${end.threads}`);
  });

  it('reports the dead mounts again with their figures once their server comes back', async () => {
    writeFileSync(revive, '');
    let samples: ParsedSample[] = [];
    let pending = dead.length;
    for (let t0 = Date.now(); Date.now() - t0 < 45_000 && pending > 0; await sleep(1000)) {
      samples = parseExposition((await exp!.scrape()).body.toString()).samples;
      pending = dead.filter((m) => value(samples, 'sys_disk_size_bytes', { mountpoint: m.path }) !== 4096 * 1000).length;
    }
    assert.equal(pending, 0, `${pending} of ${dead.length} revived mounts still not reported`);
    assert.equal(value(samples, 'sys_disk_hung_statfs_calls'), 0);
    checkHealthy(samples, 'after the revival');
    const how = await exp!.stop();
    assert.equal(how, 0);
  });
});

describe('the thread pool full of killable hung calls (exporter-linux)', { skip }, () => {
  // As on a host with dead NFS servers: statfs waits killably on pool threads. FUSE requests
  // queued behind a single-threaded daemon that is already stuck wait killably too, and a FUSE
  // mount at a path that is not UTF-8 cannot be handed to a probe, so these go to the pool.
  const flavour = FLAVOURS.find((f) => f.name === 'exporter-linux')!;
  let dir: string;
  const dead: DeadMount[] = [];
  const blockers: import('node:child_process').ChildProcess[] = [];
  const healthy: Healthy[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-pool-'));
    for (let i = 0; i < 40; i++) {
      const at = Buffer.concat([Buffer.from(join(dir, `q${i}-`)), Buffer.from([0xff])]);
      mkdirSync(at);
      dead.push(await mountDead(at, undefined, { single: true }));
    }
    for (const m of dead) blockers.push(hangIn(m));
    for (let i = 0; i < 3; i++) {
      const p = join(dir, `ok-${i}`);
      mkdirSync(p);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${(i + 1) * 4}m`, 'sysexp-ok', p]);
      healthy.push({ path: p, size: statf(p).size });
    }
    await sleep(500);
  });

  after(() => {
    for (const m of dead) releaseDead(m);
    for (const b of blockers) b.kill('SIGKILL');
    for (const h of healthy) spawnSync('umount', ['-l', h.path]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the healthy mounts on the reserved threads, every scrape within its deadline, and stops', async () => {
    const exp = await startExporter(['--collector.timeout=1s'], process.env, flavour.command());
    await exp.scrape();
    for (let round = 0; round < 3; round++) {
      const t0 = Date.now();
      const { samples } = parseExposition((await exp.scrape()).body.toString());
      assert.ok(Date.now() - t0 < 1200, `scrape ${round}: ${Date.now() - t0} ms`);
      for (const h of [{ path: '/', size: statf('/').size }, ...healthy]) {
        assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: h.path }), h.size, `scrape ${round}: ${h.path}`);
      }
      for (const m of dead) assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: m.path }), 1, m.path);
      assert.equal(value(samples, 'sys_disk_hung_statfs_calls'), 21, 'unknown mounts hold at most 28 - 7 threads');
    }
    exp.proc.kill('SIGTERM');
    const how = await ended(exp, 6000);
    assert.ok(how === 'exit 0' || how === 'SIGTERM', `after SIGTERM with 21 pool threads hung: ${how}`);
  });
});
