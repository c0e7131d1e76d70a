import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseListenAddress } from '../../src/cli';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from '../../src/collectors/disk';
import { decodeOctal, filterMounts, MountinfoReader, parseMountinfo, rootfsPrefix, stripRootfs } from '../../src/collectors/disk/mounts_linux';
import { parseMeminfo, parseZoneinfo, readMeminfo } from '../../src/collectors/memory/memory_linux';
import { loadWebConfig } from '../../src/http/webconfig';
import { DiskCollector } from '../../src/collectors/disk';
import { StatfsGate } from '../../src/collectors/disk/statfs_gate';
import { leftoverProbes, parseStatOutput, probePaths, statfsProbe } from '../../src/collectors/disk/statfs_probe_linux';
import { releasable } from '../../src/trim_linux';
import { render } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { parseExposition, value } from '../helpers';
import { parseDuration, formatDuration } from '../../src/duration';
import { acceptsGzip, negotiateFormat } from '../../src/http/negotiate';
import { formatLine } from '../../src/log';
import { escapeLabelValue, formatValue, renderLabels } from '../../src/metrics/samples';

// Fixtures live in the source tree; tests run from build/test.
const fixture = (name: string): string => readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', name), 'utf8');

describe('meminfo', () => {
  it('reads MemAvailable and swap from a modern kernel, in bytes', () => {
    const m = parseMeminfo(fixture('meminfo-5.10'));
    assert.equal(m.total, 24684084 * 1024);
    assert.equal(m.available, 24366744 * 1024);
    assert.equal(m.swapTotal, 1048572 * 1024);
    assert.equal(m.swapFree, 524288 * 1024);
  });

  it("estimates MemAvailable with the kernel's own formula: the kernel's figure from the same snapshot", () => {
    // meminfo and zoneinfo read together on a 6.18 kernel; its MemAvailable is the answer.
    const real = fixture('meminfo-6.18');
    const kB = (k: string): number => Number(new RegExp(`^${k.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(real)![1]) * 1024;
    const kernel = kB('MemAvailable');
    const without = real.replace(/^MemAvailable:.*\n/m, '');
    assert.equal(parseMeminfo(without, () => fixture('zoneinfo-6.18')).available, kernel);
    // What sys-exporter used to estimate (free + buffers + cached + reclaimable slab) is off.
    assert.ok(kB('MemFree') + kB('Buffers') + kB('Cached') + kB('SReclaimable') > kernel);
  });

  it('reads a 2.6.32 zoneinfo (no managed lines, per-CPU "high:" lines) and keeps shared memory out of the estimate', () => {
    // By hand from the fixture: low 10 + 3023 + 5091; per zone min(max protection + high, present):
    // DMA min(8050 + 12, 3837), DMA32 5050 + 3628, Normal 0 + 6109.
    assert.deepEqual(parseZoneinfo(fixture('zoneinfo-2.6.32')), { wmarkLow: 8124, totalReserve: 3837 + 8678 + 6109 });
    const m = parseMeminfo(fixture('meminfo-2.6.32'), () => fixture('zoneinfo-2.6.32'));
    assert.equal(m.total, 8059432 * 1024);
    // Shmem (2.4 GB here) sits in Cached but cannot be dropped: the file LRU excludes it.
    const naive = (421240 + 201484 + 3969712 + 353236) * 1024;
    assert.ok(m.available < naive - 2538152 * 1024, `${m.available} should leave shared memory out (naive ${naive})`);
    assert.ok(m.available > 421240 * 1024);
    // Without a readable zoneinfo, reserves count as zero: a little more, never less.
    assert.ok(parseMeminfo(fixture('meminfo-2.6.32'), () => undefined).available >= m.available);
  });

  it('caps available at MemTotal, rejects a file without MemTotal, and leaves swap out where the kernel has none', () => {
    const m = parseMeminfo('MemTotal: 100 kB\nMemFree: 90 kB\nMemAvailable: 400 kB\n');
    assert.equal(m.available, 100 * 1024);
    assert.equal(m.swapTotal, undefined);
    assert.equal(m.swapFree, undefined);
    assert.throws(() => parseMeminfo('MemFree: 1 kB\n'), /MemTotal/);
  });

  it('matches whole field names only, wherever they are, and rejects a field without a number', () => {
    // SwapCached must not be read as Cached, nor "MemTotalX" as MemTotal.
    const text = 'SwapCached: 7 kB\nMemTotalX: 1 kB\nMemTotal:\t1000 kB\nMemFree: 100 kB\nCached: 20 kB\nSwapTotal: 5 kB\nSwapFree: 4 kB';
    const m = parseMeminfo(text);
    assert.equal(m.total, 1000 * 1024);
    assert.equal(m.available, 120 * 1024, 'free + cached: no zoneinfo, so no watermarks to take off');
    assert.equal(m.swapFree, 4 * 1024);
    assert.throws(() => parseMeminfo('MemTotal: kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n'), /MemTotal/);
  });
});

describe('mountinfo', () => {
  const mounts = parseMountinfo(fixture('mountinfo-mixed'));
  const byMp = new Map(mounts.map((m) => [m.mountpoint, m]));

  it('decodes octal escapes in mount points (space, tab, backslash, UTF-8 bytes)', () => {
    assert.ok(byMp.has('/mnt/my disk'));
    assert.ok(byMp.has('/mnt/tab\tand\\slash'));
    assert.ok(byMp.has('/mnt/café'));
    assert.equal(decodeOctal('a\\012b'), 'a\nb');
    assert.equal(decodeOctal('no\\escape\\99'), 'no\\escape\\99');
  });

  it('keeps the visible (last) entry of a stacked mount point, once', () => {
    assert.equal(mounts.filter((m) => m.mountpoint === '/mnt/stacked').length, 1);
    assert.equal(byMp.get('/mnt/stacked')!.device, 'second');
  });

  it('keeps bind mounts as their own mount points', () => {
    assert.equal(byMp.get('/srv/bind')!.device, '/dev/vda');
    assert.equal(byMp.get('/')!.device, '/dev/vda');
  });

  it('takes read-only from mount or superblock options', () => {
    assert.equal(byMp.get('/mnt/tab\tand\\slash')!.readonly, true);
    assert.equal(byMp.get('/mnt/superro')!.readonly, true);
    assert.equal(byMp.get('/')!.readonly, false);
  });

  it('reports a filesystem the kernel turned read-only after errors (emergency_ro) as read-only', () => {
    const [m] = parseMountinfo('36 27 8:2 / /data rw,relatime - ext4 /dev/sda2 rw,emergency_ro,errors=remount-ro\n');
    assert.equal(m.readonly, true);
  });

  it('strips --path.rootfs from mount points at or below it, whole components only', () => {
    const root = rootfsPrefix('/host/');
    const strip = (p: string): string => stripRootfs(Buffer.from(p), root).toString();
    assert.equal(strip('/host'), '/');
    assert.equal(strip('/host/data'), '/data');
    assert.equal(strip('/hostdata'), '/hostdata');
    assert.equal(strip('/proc'), '/proc');
    assert.equal(stripRootfs(Buffer.from('/host/x'), rootfsPrefix('/')).toString(), '/host/x');
    const mounts = parseMountinfo('40 27 0:40 / /host/srv\\040a rw - ext4 /dev/sdb1 rw\n', root);
    assert.equal(mounts[0].mountpoint, '/srv a');
  });

  it('skips malformed lines', () => {
    assert.equal(mounts.length, 11); // 13 lines, one malformed, one stacked duplicate
    assert.equal(byMp.get('/')!.fstype, 'ext4');
  });

  it("applies node_exporter's default excludes", () => {
    const kept = filterMounts(mounts, {
      mountPointsExclude: new RegExp(DEFAULT_MOUNT_POINTS_EXCLUDE),
      fsTypesExclude: new RegExp(DEFAULT_FS_TYPES_EXCLUDE),
    }).map((m) => m.mountpoint);
    assert.ok(!kept.includes('/proc'), 'procfs excluded');
    assert.ok(!kept.includes('/var/lib/docker/overlay2/abc/merged'), 'docker excluded');
    assert.ok(!kept.includes('/media/cdrom'), 'iso9660 excluded');
    assert.ok(kept.includes('/'));
    assert.ok(kept.includes('/run/user/0'), 'tmpfs is kept, as node_exporter does');
    assert.ok(kept.includes('/mnt/my disk'));
  });

  it('applies custom excludes on mount point and fstype', () => {
    const kept = filterMounts(mounts, { mountPointsExclude: /^\/mnt\//, fsTypesExclude: /^tmpfs$/ }).map((m) => m.mountpoint);
    assert.deepEqual(kept.sort(), ['/', '/media/cdrom', '/proc', '/srv/bind', '/var/lib/docker/overlay2/abc/merged']);
  });
});

describe('durations', () => {
  it('parses Prometheus durations', () => {
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });
  it('rejects bad ones with the value named', () => {
    for (const bad of ['5', '5x', 's', '', '1s1m', '-1s', '5 s']) {
      assert.throws(() => parseDuration(bad), (e: Error) => e.message.includes(`"${bad}"`) || bad === '', bad);
    }
  });
  it('formats round trips', () => {
    for (const ms of [0, 500, 5000, 90_000, 3_600_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});

describe('listen addresses', () => {
  it('accepts the node_exporter forms', () => {
    assert.deepEqual(parseListenAddress(':9601'), { host: undefined, port: 9601 });
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:9601'), { host: '::1', port: 9601 });
    assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
  });
  it('rejects malformed ones', () => {
    for (const bad of ['9601', '127.0.0.1', ':99999', '[zz]:1', 'a b:1', '::1:9601', '1.2.3.4:x']) {
      assert.throws(() => parseListenAddress(bad), Error, bad);
    }
  });
});

describe('content negotiation', () => {
  it('serves text 0.0.4 by default and for unknown types', () => {
    assert.equal(negotiateFormat(undefined), 'text');
    assert.equal(negotiateFormat('*/*'), 'text');
    assert.equal(negotiateFormat('application/json'), 'text');
    assert.equal(negotiateFormat(';;;,,,q=='), 'text');
  });
  it("honours Prometheus 2's preference for OpenMetrics", () => {
    const prom2 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    assert.equal(negotiateFormat(prom2), 'openmetrics');
  });
  it('decides by q-value, not order', () => {
    assert.equal(negotiateFormat('application/openmetrics-text;q=0.3, text/plain;q=0.9'), 'text');
    assert.equal(negotiateFormat('text/plain;q=0.2, application/openmetrics-text;q=0.9'), 'openmetrics');
    assert.equal(negotiateFormat('application/openmetrics-text;q=0'), 'text');
    assert.equal(negotiateFormat('application/openmetrics-text;version=9.9.9'), 'text');
  });
  it('allows gzip by q-value, including through *', () => {
    assert.equal(acceptsGzip('gzip'), true);
    assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('*'), true);
    assert.equal(acceptsGzip('*;q=1, gzip;q=0'), false);
    assert.equal(acceptsGzip('br'), false);
    assert.equal(acceptsGzip(undefined), false);
  });
});

describe('exposition details', () => {
  it('escapes label values', () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(renderLabels(['a', 'b'], ['x', 'y"']), '{a="x",b="y\\""}');
    assert.equal(renderLabels([], []), '');
  });
  it('formats special values', () => {
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(42), '42');
    assert.equal(formatValue(0.5), '0.5');
  });
  it('writes integers exactly, and values past 2^53 as a float a parser reads back to the same value', () => {
    assert.equal(formatValue(2 ** 53 - 1), '9007199254740991');
    assert.equal(formatValue(2 ** 64), '1.8446744073709552e+19'); // as node_exporter writes it
    assert.equal(formatValue(-(2 ** 64)), '-1.8446744073709552e+19');
    for (const v of [2 ** 53, 2 ** 64, 1.5e300, -(2 ** 60)]) {
      const text = formatValue(v);
      assert.equal(Number(text), v, text);
      // Read as an integer (as a parser with 64-bit integers would), it must not land elsewhere.
      if (/^-?\d+$/.test(text)) assert.equal(BigInt(text), BigInt(v), text);
    }
  });
});

describe('logs', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');
  it('writes logfmt with quoting', () => {
    assert.equal(
      formatLine('logfmt', 'info', 'started up', { addr: ':9601', n: 2, q: 'a "b"' }, now),
      'ts=2026-01-02T03:04:05.000Z level=info msg="started up" addr=:9601 n=2 q="a \\"b\\""',
    );
  });
  it('writes one JSON object per line', () => {
    const line = formatLine('json', 'warn', 'x\ny', { k: 'v' }, now);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(JSON.parse(line), { ts: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'x\ny', k: 'v' });
  });
});

describe('special files where procfs or a config file should be (1.0 froze or grew to 1.5 GB)', () => {
  it('refuses a FIFO or a character device at once, naming it, and reads nothing from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysexp-special-'));
    try {
      execFileSync('mkfifo', [join(dir, 'meminfo')]);
      mkdirSync(join(dir, '1'));
      symlinkSync('/dev/urandom', join(dir, '1', 'mountinfo'));
      mkdirSync(join(dir, 'self'));
      symlinkSync('/dev/zero', join(dir, 'self', 'mountinfo'));
      const t0 = Date.now();
      assert.throws(() => readMeminfo(dir), /meminfo is a FIFO, not a regular file/);
      const reader = new MountinfoReader(dir);
      assert.throws(() => reader.read(), /is a character device, not a regular file/);
      assert.throws(() => loadWebConfig(join(dir, 'meminfo')), /^Error: web config .*meminfo: cannot read it \(.*meminfo is a FIFO, not a regular file\)$/);
      assert.ok(Date.now() - t0 < 1000, 'no open blocked');
      // A regular file still reads, procfs' own included.
      assert.ok(readMeminfo('/proc').total > 0);
      assert.ok(new MountinfoReader('/proc').read().length > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statfs counts and paths on every route', () => {
  it('takes counts of 2^63 and up as unsigned, where a signed stat or Bun gives them negative', async () => {
    // What coreutils' stat printed for a filesystem of 2^64 - 2^32 + 1 blocks, and Bun's statfs.
    assert.equal(parseStatOutput('4096 -4294967295 -4294967295 -4294967295 0 0 ef53').blocks, 2 ** 64 - 4294967295);
    const gate = new StatfsGate({ capacity: 2, hungAfterMs: 1000, statfs: () => Promise.resolve({ type: 0, bsize: 1, blocks: -4294967295, bfree: 0, bavail: 0, files: -1, ffree: 0 }) });
    const c = new DiskCollector(() => [{ device: 'x', mountpoint: '/huge', fstype: 'xfs', readonly: false }], () => '/huge', gate, 'linux');
    const out = new SampleSet();
    await c.collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, out);
    const s = parseExposition(render([out], 'text')).samples;
    assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: '/huge' }), 2 ** 64 - 4294967295, 'node_exporter\'s figure, not -4294967295');
    assert.equal(value(s, 'sys_disk_files', { mountpoint: '/huge' }), 2 ** 64 - 1);
    c.close();
  });

  it('passes a path that starts with "-" to stat as a path (--path.rootfs=-x), not as an option', async () => {
    const probe = statfsProbe();
    assert.ok(probe, 'coreutils stat is here');
    const r = probe.run('-x/no/such/mount', 5000);
    await assert.rejects(r.answer, (e: Error) => !/invalid option|unrecognized option/.test(e.message) && /-x\/no\/such\/mount/.test(e.message));
    probe.close();
  });
});

describe('which mounts are asked outside the process, and what a restart finds', () => {
  const line = (id: number, mp: string, fstype: string, dev = 'x'): string => `${id} 1 0:${id} / ${mp} rw,relatime shared:1 - ${fstype} ${dev} rw\n`;

  it('asks a mount below a FUSE mount as a FUSE mount, even when the FUSE mount itself is filtered out (1.0: on a pool thread)', () => {
    const table = line(20, '/', 'ext4') + line(21, '/mnt/sshfs', 'fuse.sshfs') + line(22, '/mnt/sshfs/cache', 'tmpfs') + line(23, '/mnt/sshfsx', 'tmpfs') + line(24, '/srv', 'xfs');
    const byPath = new Map(parseMountinfo(table).map((m) => [m.mountpoint, m.viaFuse === true]));
    assert.deepEqual([...byPath], [['/', false], ['/mnt/sshfs', true], ['/mnt/sshfs/cache', true], ['/mnt/sshfsx', false], ['/srv', false]]);
    const skipFuse = { mountPointsExclude: /^$/, fsTypesExclude: /^fuse\./ };
    assert.deepEqual(filterMounts(parseMountinfo(table), skipFuse).filter((m) => m.viaFuse).map((m) => m.mountpoint), ['/mnt/sshfs/cache']);
  });

  it('drops a mount remounted at the same path with the same device name during a collection (1.0 showed the new target under the old labels)', async () => {
    const before = parseMountinfo(line(20, '/', 'ext4', '/dev/sda1') + line(30, '/data', 'ext4', '/dev/sdb1'));
    // Unmounted, the path replaced and /dev/sdb1 mounted again: a new mount ID, same path and device.
    const after = parseMountinfo(line(20, '/', 'ext4', '/dev/sda1') + line(31, '/data', 'ext4', '/dev/sdb1'));
    let reads = 0;
    const gate = new StatfsGate({ capacity: 2, hungAfterMs: 1000, statfs: () => Promise.resolve({ type: 0, bsize: 1, blocks: 7, bfree: 1, bavail: 1, files: 1, ffree: 1 }) });
    const c = new DiskCollector(() => (reads++ === 0 ? before : after), (m) => m.mountpoint, gate, 'linux');
    const out = new SampleSet();
    await c.collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, out);
    const s = parseExposition(render([out], 'text')).samples;
    assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: '/' }), 7);
    assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: '/data' }), undefined, 'its figures may be of what the path led to meanwhile');
    c.close();
  });

  it("finds an earlier exporter's stuck probes: a one-mount probe is not repeated, a batch's mounts are asked one by one", async () => {
    const procfs = mkdtempSync(join(tmpdir(), 'leftover-'));
    try {
      writeFileSync(join(procfs, 'uptime'), '1000.00 1500.00\n');
      const proc = (pid: number, state: string, argv: string[], waitingOn?: string, started = 0): void => {
        mkdirSync(join(procfs, String(pid)));
        // Fields 4 to 52 of /proc/PID/stat: start time (22) in ticks, arg_start (48) at 0x7ffc0000 where given.
        const fields = Array.from({ length: 49 }, (_, i) => (i + 4 === 48 && waitingOn ? String(0x7ffc0000) : i + 4 === 22 ? String(started) : '0'));
        writeFileSync(join(procfs, String(pid), 'stat'), `${pid} (stat) ${state} ${fields.join(' ')}`);
        writeFileSync(join(procfs, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
        if (waitingOn) {
          // statfs(2)'s path argument: the address of that argv string.
          const offset = Buffer.byteLength(argv.slice(0, argv.indexOf(waitingOn)).map((a) => `${a}\0`).join(''));
          writeFileSync(join(procfs, String(pid), 'syscall'), `137 0x${(0x7ffc0000 + offset).toString(16)} 0x7ffd1000 0x0 0x0 0x0 0x0 0x7ffd0f00 0x7f0000001234\n`);
        }
      };
      const probe = (...paths: string[]): string[] => ['/usr/bin/stat', '-f', '-c', '%s %b %f %a %c %d %t', '--', ...paths];
      proc(101, 'D', probe('/tmp'));
      proc(102, 'D', probe('/mnt/a', '/mnt/b'));
      proc(103, 'R', probe('/srv')); // not stuck: a probe that is about to answer
      proc(106, 'S', probe('/srv'), undefined, 1000 * 100 - 50); // started 0.5 s ago: not stuck yet
      proc(104, 'D', ['/usr/bin/stat', '-c', '%s', '--', '/var']); // someone else's stat
      proc(105, 'D', probe('/mnt/c', '/mnt/déjà vu', '/mnt/e'), '/mnt/déjà vu'); // a batch whose wait can be read
      proc(107, 'S', ['/usr/bin/timeout', '--foreground', '-s', 'KILL', '3', '/usr/bin/stdbuf', '-oL', ...probe('/mnt/f', '/mnt/g')]); // its parent
      const found = leftoverProbes(procfs);
      assert.deepEqual([...found.stuck].sort(), [['/mnt/déjà vu', 105], ['/tmp', 101]]);
      assert.deepEqual([...found.suspects].sort(), ['/mnt/a', '/mnt/b']);
      assert.deepEqual(probePaths(probe('-x')), ['-x']);
      // /tmp answers at once when asked, but an earlier probe of it still waits: not asked again.
      const p = statfsProbe(procfs)!;
      const t0 = Date.now();
      assert.equal(await p.run('/tmp', 1000).answer, 'timeout');
      assert.ok(Date.now() - t0 < 100);
      assert.ok(typeof (await p.run('/', 1000).answer) === 'object', 'other mounts are asked');
      // The stuck probe ends: /tmp is free again.
      rmSync(join(procfs, '101'), { recursive: true });
      const keepAlive = setTimeout(() => undefined, 5000); // the poll does not hold the process open
      assert.equal(await p.run('/tmp', 1000).ended, undefined);
      clearTimeout(keepAlive);
      assert.ok(typeof (await p.run('/tmp', 1000).answer) === 'object', 'asked again');
      p.close();
    } finally {
      rmSync(procfs, { recursive: true, force: true });
    }
  });
});

describe('releasable: which mappings of the executable may drop their pages (/proc/self/smaps)', () => {
  it('takes read-only private mappings of that inode with no copied page, and nothing else', () => {
    const map = (range: string, perms: string, ino: number, anonymous: number, path = '/opt/exporter-linux', swap = 0): string =>
      `${range} ${perms} 00000000 fd:01 ${ino} ${path}\nSize: 100 kB\nRss: 40 kB\nAnonymous: ${anonymous} kB\nSwap: ${swap} kB\nVmFlags: rd mr mw me\n`;
    const smaps = [
      map('00200000-01a39000', 'r--p', 77, 0), // rodata, the embedded bytecode
      map('01a40000-0684a000', 'r-xp', 77, 0), // text
      map('06867000-06e1f000', 'rw-p', 77, 112), // data: writable
      map('06e1f000-06e20000', 'r--p', 77, 4), // relocated, then made read-only (RELRO): a copy
      map('06e20000-06e22000', 'r--p', 77, 0, '/opt/exporter-linux', 8), // such a copy, swapped out
      map('06e22000-06e23000', 'r--p', 77, 0, '/opt/my exporter (deleted)'), // replaced on disk: the same inode
      map('7f0000000000-7f0000001000', 'r-xp', 78, 0, '/usr/lib/x86_64-linux-gnu/libc.so.6'), // another file
      map('7f0000002000-7f0000003000', 'r-xs', 77, 0), // shared
      '7ffd0000000-7ffd0001000 rw-p 00000000 00:00 0 [stack]\nAnonymous: 8 kB\n',
    ].join('');
    assert.deepEqual(releasable(smaps, 77n), [
      { start: 0x200000n, length: 0x1a39000n - 0x200000n },
      { start: 0x1a40000n, length: 0x684a000n - 0x1a40000n },
      { start: 0x6e22000n, length: 0x1000n },
    ]);
    assert.deepEqual(releasable(smaps, 0n), [], 'anonymous memory never');
    assert.deepEqual(releasable('00200000-01a39000 r--p 00000000 fd:01 77 /x\nRss: 4 kB\nAnonymous: 0 kB\n', 77n), [], 'no Swap line: not known clean');
    assert.deepEqual(releasable('00200000-01a39000 r--p 00000000 fd:01 18446744073709551557 /x\nAnonymous: 0 kB\nSwap: 0 kB\n', 18446744073709551557n).length, 1, 'a 64-bit inode');
  });
});
