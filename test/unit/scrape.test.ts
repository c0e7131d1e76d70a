import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CollectContext, Collector } from '../../src/collectors/collector';
import { createDiskCollector, DiskCollector } from '../../src/collectors/disk';
import { Deadline, poolSize, StatfsGate, statfsCapacity, type StatfsResult } from '../../src/collectors/disk/statfs_gate';
import { createLogger } from '../../src/log';
import { COLLECTOR_ERRORS, COLLECTOR_SUCCESS } from '../../src/metrics/catalog';
import { DISK_SIZE } from '../../src/collectors/disk/metrics';
import { MEMORY_TOTAL } from '../../src/collectors/memory/metrics';
import { render, renderBody } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { scrapeBudget, Scraper } from '../../src/scrape';
import { parseExposition, promtoolCheck, sleep, value } from '../helpers';

const quiet = createLogger('error', 'logfmt', () => undefined);

/** A collector whose behaviour the test sets: it counts runs and writes the run number. */
class Probe implements Collector {
  runs = 0;
  constructor(
    readonly name: string,
    private readonly behave: (run: number, ctx: CollectContext) => Promise<void> | void = () => undefined,
  ) {}
  async collect(ctx: CollectContext, out: SampleSet): Promise<void> {
    const run = ++this.runs;
    await this.behave(run, ctx);
    out.add(MEMORY_TOTAL, run);
  }
}

const health = (sets: SampleSet[]) => parseExposition(render(sets, 'text')).samples;

describe('scraper', () => {
  it('isolates a throwing and a hanging collector; the rest are served and errors count up', async () => {
    const good = new Probe('memory');
    const throws = new Probe('bad', () => {
      throw new Error('boom');
    });
    const hangs = new Probe('slow', () => new Promise<void>(() => undefined));
    const s = new Scraper([good, throws, hangs], quiet, { timeoutMs: 200, intervalMs: 0 });
    for (let i = 1; i <= 2; i++) {
      const t0 = Date.now();
      const snap = await s.snapshot();
      assert.ok(Date.now() - t0 < 1000, 'answers within the deadline');
      const byName = new Map(snap.results.map((r) => [r.name, r]));
      assert.equal(byName.get('memory')!.success, true);
      assert.ok(byName.get('memory')!.samples);
      assert.equal(byName.get('bad')!.success, false);
      assert.match(byName.get('bad')!.error!, /boom/);
      assert.equal(byName.get('slow')!.success, false);
      assert.match(byName.get('slow')!.error!, /deadline/);
      assert.equal(byName.get('slow')!.samples, undefined, 'no partial data from a failed collector');
      const h = health([snap.health]);
      assert.equal(value(h, COLLECTOR_SUCCESS.name, { collector: 'memory' }), 1);
      assert.equal(value(h, COLLECTOR_SUCCESS.name, { collector: 'slow' }), 0);
      assert.equal(value(h, COLLECTOR_ERRORS.name, { collector: 'bad' }), i);
      assert.equal(value(h, COLLECTOR_ERRORS.name, { collector: 'slow' }), i);
      assert.equal(value(h, COLLECTOR_ERRORS.name, { collector: 'memory' }), 0);
    }
  });

  it('shares one running collection among concurrent scrapes', async () => {
    const p = new Probe('memory', () => sleep(50));
    const s = new Scraper([p], quiet, { timeoutMs: 1000, intervalMs: 0 });
    const snaps = await Promise.all([s.snapshot(), s.snapshot(), s.snapshot()]);
    assert.equal(p.runs, 1);
    assert.ok(snaps[0] === snaps[1] && snaps[1] === snaps[2]);
    await s.snapshot();
    assert.equal(p.runs, 2, 'a scrape after the collection finished starts a new one');
  });

  it('a client with a short deadline never fails a collector for a patient scrape (1.0: the shortest deadline was everyone\'s)', async () => {
    // A mount that answers after 300 ms; a client at 100 ms, then Prometheus at 2 s.
    const p = new Probe('disk', () => sleep(300));
    const s = new Scraper([p], quiet, { timeoutMs: 5000, intervalMs: 0 });
    const hasty = s.snapshot(100);
    await sleep(10);
    const patient = s.snapshot(2000);
    assert.equal((await hasty).results[0].success, false, 'the hasty client missed it');
    assert.equal((await patient).results[0].success, true, 'the patient scrape waited for its own deadline');
    // Scrapes with about the same deadline still share one collection.
    const runs = p.runs;
    await Promise.all([s.snapshot(990), s.snapshot(1000), s.snapshot(1000)]);
    assert.equal(p.runs, runs + 1);
  });

  it('never mixes two collections in one snapshot', async () => {
    // Two collectors write their run number; overlapping scrapes must see equal numbers.
    const a = new Probe('a', () => sleep(Math.random() * 10));
    const b = new Probe('b', () => sleep(Math.random() * 10));
    const s = new Scraper([a, b], quiet, { timeoutMs: 1000, intervalMs: 0 });
    const snaps = await Promise.all(Array.from({ length: 20 }, (_, i) => sleep(i * 3).then(() => s.snapshot())));
    for (const snap of snaps) {
      const runs = snap.results.map((r) => r.samples!.byFamily.get(MEMORY_TOTAL)![0][1]);
      assert.equal(runs[0], runs[1]);
    }
  });

  it('passes the deadline to collectors and aborts their signal when it passes', async () => {
    let seen: CollectContext | undefined;
    const p = new Probe('memory', (_, ctx) => {
      seen = ctx;
      return new Promise<void>(() => undefined);
    });
    const s = new Scraper([p], quiet, { timeoutMs: 100, intervalMs: 0 });
    const t0 = Date.now();
    await s.snapshot(50);
    assert.ok(seen!.deadline - t0 <= 60, 'the scrape budget, not the configured timeout, is used');
    assert.equal(seen!.signal.aborted, true);
  });

  it('in background mode serves the latest snapshot without collecting per scrape', async () => {
    const p = new Probe('memory');
    const s = new Scraper([p], quiet, { timeoutMs: 1000, intervalMs: 40 });
    s.start();
    try {
      const first = await s.snapshot();
      const runsAfterFirst = p.runs;
      await Promise.all(Array.from({ length: 50 }, () => s.snapshot()));
      assert.ok(p.runs - runsAfterFirst <= 1, 'scrapes do not trigger collections');
      await sleep(150);
      const later = await s.snapshot();
      assert.ok(later.completedAt > first.completedAt, 'the timer refreshes the snapshot');
      assert.ok(p.runs >= 3);
    } finally {
      s.stop();
    }
  });

  it('derives the budget from X-Prometheus-Scrape-Timeout-Seconds', () => {
    assert.equal(scrapeBudget(5000, undefined), 5000);
    assert.equal(scrapeBudget(5000, '10'), 5000);
    assert.equal(scrapeBudget(5000, '3'), 2500);
    assert.equal(scrapeBudget(5000, '0.8'), 400);
    assert.equal(scrapeBudget(5000, 'junk'), 5000);
    assert.equal(scrapeBudget(5000, '-1'), 5000);
  });

  it('renders health that promtool accepts', () => {
    const s = new Scraper([new Probe('memory')], quiet, { timeoutMs: 100, intervalMs: 0 });
    return s.snapshot().then((snap) => {
      const text = render([snap.health, ...snap.results.map((r) => r.samples!)], 'text');
      const r = promtoolCheck(text);
      assert.equal(r.code, 0, r.output);
    });
  });
});

const OK: StatfsResult = { type: 0, bsize: 4096, blocks: 100, bfree: 50, bavail: 40, files: 10, ffree: 5 };

describe('statfs gate', () => {
  it('runs at most one call per path and reports a hung one at the deadline', async () => {
    const calls: string[] = [];
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: (p) => {
      calls.push(String(p));
      return p === '/dead' ? new Promise(() => undefined) : Promise.resolve(OK);
    } });
    const d = new Deadline(Date.now() + 30);
    const [dead, live] = await Promise.all([gate.query('/dead', d), gate.query('/live', d)]);
    d.cancel();
    assert.deepEqual(dead, { error: 'statfs did not return before the deadline', hung: true });
    assert.deepEqual(live, { ok: OK });
    // Later collections skip the hung mount at once instead of waiting for their deadline again.
    for (let i = 0; i < 2; i++) {
      const later = new Deadline(Date.now() + 10_000);
      const t0 = Date.now();
      const [dead2, live2] = await Promise.all([gate.query('/dead', later), gate.query('/live', later)]);
      later.cancel();
      assert.ok(Date.now() - t0 < 5_000, 'answered long before the deadline');
      assert.ok('error' in dead2 && dead2.hung);
      assert.deepEqual(live2, { ok: OK });
    }
    assert.equal(calls.filter((c) => c === '/dead').length, 1, 'the hung call is not repeated');
    assert.equal(gate.hung, 1);
    assert.equal(gate.active, 1, 'only the hung call holds a thread');
  });

  it('never lets mounts not known to answer take more threads than capacity minus the reserve', async () => {
    let started = 0;
    const gate = new StatfsGate({ capacity: 3, hungAfterMs: 20, statfs: (p) => {
      started++;
      return String(p).startsWith('/dead') ? new Promise(() => undefined) : Promise.resolve(OK);
    } });
    const d = new Deadline(Date.now() + 30);
    const res = await Promise.all(['/dead1', '/dead2', '/dead3', '/dead4', '/dead5', '/live'].map((p) => gate.query(p, d)));
    d.cancel();
    assert.equal(gate.reserve, 1);
    assert.equal(started, 2);
    assert.equal(gate.active, 2);
    assert.ok(res.every((r) => 'error' in r));
  });

  it('keeps the reserve for mounts known to answer while unknown dead mounts hold the rest', async () => {
    const gate = new StatfsGate({ capacity: 8, hungAfterMs: 10, statfs: (p) => (String(p).startsWith('/dead') ? new Promise(() => undefined) : Promise.resolve(OK)) });
    const first = new Deadline(Date.now() + 30);
    assert.deepEqual(await gate.query('/', first), { ok: OK });
    const dead = Array.from({ length: 40 }, (_, i) => `/dead${i}`);
    await Promise.all(dead.map((p) => gate.query(p, first)));
    assert.equal(gate.active, 8 - gate.reserve, 'the dead mounts hold every thread they may');
    for (let i = 0; i < 3; i++) {
      const d = new Deadline(Date.now() + 50);
      const res = await Promise.all(['/', ...dead].map((p) => gate.query(p, d)));
      d.cancel();
      assert.deepEqual(res[0], { ok: OK }, `round ${i}: / answered from the reserve`);
    }
  });

  it('does not let a short deadline mark a slow mount hung for a later, patient caller', async () => {
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 5000, statfs: () => sleep(150).then(() => OK) });
    const hasty = new Deadline(Date.now() + 20);
    const r1 = await gate.query('/slow', hasty);
    assert.ok('error' in r1 && !r1.hung, 'missed this deadline, but not hung');
    const patient = new Deadline(Date.now() + 5000);
    assert.deepEqual(await gate.query('/slow', patient), { ok: OK }, 'the later caller joins the call and gets the figures');
    patient.cancel();
  });

  it('asks a probe when hung calls hold the pool, kills it at the hang threshold and probes again later', async () => {
    const runs: string[] = [];
    let alive = false;
    // A killable probe: a dead mount's process ends when it is killed at timeoutMs.
    const probe = {
      run: (path: string, timeoutMs: number) => {
        runs.push(path);
        const dead = path.startsWith('/dead') && !alive;
        const answer = dead ? sleep(timeoutMs).then(() => 'timeout' as const) : Promise.resolve(OK);
        return { answer, ended: answer.then((r) => (r === 'timeout' ? undefined : r)) };
      },
      close: () => undefined,
    };
    const gate = new StatfsGate({ capacity: 2, hungAfterMs: 40, reprobeMs: 100, overflowAfterMs: 5, probe, statfs: (p) => (String(p).startsWith('/dead') && !alive ? new Promise(() => undefined) : Promise.resolve(OK)) });
    const mounts = ['/dead0', '/dead1', '/dead2', '/late-healthy'];
    const d1 = new Deadline(Date.now() + 60);
    const r1 = await Promise.all(mounts.map((p) => gate.query(p, d1)));
    assert.equal(gate.active, 1, 'one pool thread for unknown mounts (capacity 2, reserve 1)');
    assert.deepEqual(runs.sort(), ['/dead1', '/dead2', '/late-healthy']);
    assert.deepEqual(r1[3], { ok: OK }, 'the healthy mount behind the dead ones answered through a probe');
    assert.ok('error' in r1[1] && r1[1].hung);
    // Known dead: answered at once, no new probe until reprobeMs has passed.
    const d2 = new Deadline(Date.now() + 1000);
    const t0 = Date.now();
    const r2 = await Promise.all(mounts.map((p) => gate.query(p, d2)));
    assert.ok(Date.now() - t0 < 30);
    assert.ok(r2.slice(0, 3).every((r) => 'error' in r && r.hung));
    assert.deepEqual(r2[3], { ok: OK }, 'now known to answer: through the reserved pool thread');
    assert.equal(runs.length, 3);
    // The server comes back: the next background probe finds it.
    alive = true;
    await sleep(120);
    await Promise.all(mounts.map((p) => gate.query(p, d2)));
    await sleep(5);
    const r3 = await Promise.all(mounts.slice(1).map((p) => gate.query(p, d2)));
    d2.cancel();
    assert.ok(r3.every((r) => 'ok' in r), JSON.stringify(r3));
  });

  it('frees the slot and the mount when a hung call finally returns', async () => {
    let release!: (r: StatfsResult) => void;
    let n = 0;
    const gate = new StatfsGate({ capacity: 1, hungAfterMs: 20, statfs: () => (++n === 1 ? new Promise<StatfsResult>((r) => (release = r)) : Promise.resolve(OK)) });
    const d1 = new Deadline(Date.now() + 20);
    assert.ok('error' in (await gate.query('/nfs', d1)));
    release(OK);
    await sleep(1);
    assert.equal(gate.hung, 0);
    assert.equal(gate.active, 0);
    const d2 = new Deadline(Date.now() + 20);
    assert.deepEqual(await gate.query('/nfs', d2), { ok: OK });
    d2.cancel();
  });

  it('forgets unmounted paths, but not one whose call is still out', async () => {
    let release!: (r: StatfsResult) => void;
    // Hung after 5 ms, well inside the 20 ms the callers wait: the call counts as hung by then.
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 5, statfs: (p) => (p === '/hung' ? new Promise<StatfsResult>((r) => (release = r)) : Promise.resolve(OK)) });
    const d = new Deadline(Date.now() + 20);
    await Promise.all(['/a', '/b', '/hung'].map((p) => gate.query(p, d)));
    assert.equal(gate.tracked, 3);
    gate.retain(new Set(['/a']));
    assert.equal(gate.tracked, 2, '/b is gone; /hung stays while its call is out');
    assert.equal(gate.hung, 1);
    release(OK);
    await sleep(1);
    assert.equal(gate.hung, 0);
    gate.retain(new Set(['/a']));
    assert.equal(gate.tracked, 1);
  });

  it('is told by the disk collector which mounts are gone', async () => {
    const procfs = mkdtempSync(join(tmpdir(), 'sysexp-procfs-'));
    mkdirSync(join(procfs, '1'));
    const line = (id: number, mp: string) => `${id} 1 0:${id} / ${mp} rw,relatime - ext4 /dev/sd${id} rw\n`;
    writeFileSync(join(procfs, '1', 'mountinfo'), line(30, '/') + line(31, '/data') + line(32, '/backup'));
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: () => Promise.resolve(OK) });
    const quiet = createLogger('error', 'logfmt', () => undefined);
    const c = createDiskCollector({ platform: 'linux', procfs, rootfs: '/', filter: { mountPointsExclude: /^$/, fsTypesExclude: /^$/ }, gate, log: quiet });
    const collect = () => c.collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, new SampleSet());
    try {
      await collect();
      assert.equal(gate.tracked, 3);
      writeFileSync(join(procfs, '1', 'mountinfo'), line(30, '/') + line(31, '/data'));
      await collect();
      assert.equal(gate.tracked, 2);
    } finally {
      c.close();
      rmSync(procfs, { recursive: true, force: true });
    }
  });

  it('drops a mount unmounted while its statfs ran: that statfs measured the parent filesystem', async () => {
    const m = (mountpoint: string) => ({ device: `dev${mountpoint}`, mountpoint, path: Buffer.from(mountpoint), fstype: 'ext4', readonly: false });
    const before = [m('/'), m('/gone')];
    const after = [m('/')];
    let reads = 0;
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 1000, statfs: () => Promise.resolve(OK) });
    const c = new DiskCollector(() => (reads++ === 0 ? before : after), (x) => x.path!, gate, 'linux');
    const out = new SampleSet();
    await c.collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, out);
    const points = (set: SampleSet) => (set.byFamily.get(DISK_SIZE) ?? []).map(([labels]) => /mountpoint="([^"]*)"/.exec(labels)![1]);
    assert.deepEqual(points(out), ['/'], 'the table read after the statfs calls no longer has /gone');
    const next = new SampleSet();
    await c.collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, next);
    assert.deepEqual(points(next), ['/']);
  });

  it('queues beyond capacity instead of failing healthy mounts', async () => {
    const gate = new StatfsGate({ capacity: 2, hungAfterMs: 20, statfs: () => sleep(2).then(() => OK) });
    const d = new Deadline(Date.now() + 2000);
    const res = await Promise.all(Array.from({ length: 50 }, (_, i) => gate.query(`/m${i}`, d)));
    d.cancel();
    assert.ok(res.every((r) => 'ok' in r));
  });

  it('keeps threads for the rest of the process', () => {
    assert.equal(statfsCapacity(4), 2);
    assert.equal(statfsCapacity(32), 28);
    assert.equal(statfsCapacity(1), 1);
  });

  it('reads UV_THREADPOOL_SIZE as each runtime does (Bun keeps its default from 65,536 up)', () => {
    const size = (v: string | undefined, rt: 'node' | 'bun') => poolSize(v === undefined ? {} : { UV_THREADPOOL_SIZE: v }, rt);
    assert.equal(size(undefined, 'node'), 4);
    assert.equal(size('0', 'node'), 1);
    assert.equal(size('70000', 'node'), 1024);
    assert.equal(size('64', 'bun'), 64);
    assert.equal(size('65535', 'bun'), 1024);
    assert.equal(size('65536', 'bun'), 2, '1.0 took 1,024 threads that Bun did not start');
    assert.equal(size('99999999999999999999', 'bun'), 2);
    assert.equal(size('many', 'bun'), 2);
  });

  // Last in this suite: its 80,000 promises kept the garbage collector busy through the timing
  // tests that came after it.
  it('removes tens of thousands of waiters at their deadline in linear time', async () => {
    // The process's CPU time for n waiters on one hung call, queued and answered at the
    // deadline: CPU, not wall time, so that other processes on the machine do not count.
    const cost = async (n: number): Promise<number> => {
      const gate = new StatfsGate({ capacity: 1, hungAfterMs: 60_000, statfs: () => new Promise(() => undefined) });
      const cpu = process.cpuUsage();
      const d = new Deadline(Date.now() + 200);
      const res = await Promise.all(Array.from({ length: n }, (_, i) => gate.query(`/m${i}`, d)));
      const used = process.cpuUsage(cpu);
      gate.close();
      assert.ok(res.slice(1).every((r) => 'error' in r && /no statfs thread free/.test(r.error)));
      return (used.user + used.system) / 1000;
    };
    // A ratio measured side by side, not a time: 8x the waiters costs about 8x when linear, 64x
    // when each removal scans an array (indexOf + splice took seconds for 80,000 here).
    await cost(10_000); // warm-up
    const small = await cost(10_000);
    const big = await cost(80_000);
    assert.ok(big < 24 * Math.max(small, 5), `10,000 waiters cost ${small.toFixed(0)} ms of CPU, 80,000 ${big.toFixed(0)} ms`);
  });
});

describe('exposition bytes', () => {
  const disks = (n: number, prefix: string): SampleSet => {
    const set = new SampleSet();
    for (let i = 0; i < n; i++) set.add(DISK_SIZE, i * 4096 + 0.5, [`/dev/sd${i}`, 'ext4', `${prefix}${i}`]);
    return set;
  };

  it('writes UTF-8 labels, grows past its scratch buffer, and never hands out shared bytes', () => {
    const first = renderBody([disks(2, '/a')], 'text');
    const copy = Buffer.from(first);
    const big = renderBody([disks(5000, '/mnt/données-')], 'text'); // well over 64 KiB
    const small = renderBody([disks(2, '/x')], 'openmetrics');
    assert.ok(first.equals(copy), 'later renders do not overwrite an earlier body');
    const text = big.toString('utf8');
    const samples = parseExposition(text).samples;
    assert.equal(samples.length, 5000);
    assert.equal(samples[4999].labels.mountpoint, '/mnt/données-4999');
    assert.equal(samples[4999].value, 4999 * 4096 + 0.5);
    assert.equal(promtoolCheck(text).code, 0);
    assert.match(small.toString('utf8'), /^sys_disk_size_bytes\{device="\/dev\/sd1",fstype="ext4",mountpoint="\/x1"\} 4096.5\n# EOF\n$/m);
  });
});
