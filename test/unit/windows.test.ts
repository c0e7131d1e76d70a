// The Windows code paths, run on Linux: what Node's os and fs.statfs return on Windows, and what
// the exporter's PowerShell loop prints (test/fixtures/windows: ConvertTo-Json's shapes). The
// feed's process handling runs against a stand-in "powershell" script. The wine tests of the
// real executable belong to the packaging tests.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../../scripts/lib/steps';
import { createDiskCollector, diskFilter } from '../../src/collectors/disk';
import { StatfsGate, type StatfsResult } from '../../src/collectors/disk/statfs_gate';
import { cimDiscovery, driveOf, probeDriveLetters, readOnlyPaths, VOLUME_QUERIES, volumesFromCim } from '../../src/collectors/disk/volumes_windows';
import { CimFeed, cimScript, rowsOf, WmiHealth } from '../../src/collectors/cim_windows';
import { MEMORY_QUERY, virtualMemoryFromCim } from '../../src/collectors/memory/memory_windows';
import { filterMounts } from '../../src/collectors/disk/mounts_linux';
import { flagReader, parseArgs, type Config } from '../../src/cli';
import { createMemoryCollector } from '../../src/collectors/memory';
import { createLogger } from '../../src/log';
import { familiesFor } from '../../src/metrics/catalog';
import { render } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { parseExposition, promtoolCheck, sleep, value } from '../helpers';

const quiet = createLogger('error', 'logfmt', () => undefined);
const ctx = (ms = 1000) => ({ deadline: Date.now() + ms, signal: new AbortController().signal });

// GetDiskFreeSpaceExW as libuv reports it: bsize 4096, no inode counts.
const C: StatfsResult = { type: 0, bsize: 4096, blocks: 25_000_000, bfree: 10_000_000, bavail: 9_000_000, files: 0, ffree: 0 };
const D: StatfsResult = { type: 0, bsize: 512, blocks: 1000, bfree: 1000, bavail: 1000, files: 0, ffree: 0 };

const filterOf = (c: Config) => diskFilter(flagReader(c, 'win32'), 'win32');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'windows', 'cim-sqlserver.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, { rows: unknown }>;
const work = mkdtempSync(join(tmpdir(), 'sysexp-win-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * A stand-in for powershell.exe: prints each of `lines` (then the last one again) every 50 ms,
 * after `delay` seconds; appends its arguments to <file>.args at each start. No lines: it hangs.
 */
function standIn(name: string, lines: readonly string[], exitAfter?: number, delay = 0): string {
  const file = join(work, name);
  const data = join(work, `${name}.lines`);
  writeFileSync(data, `${lines.join('\n')}\n`);
  const body = lines.length === 0 ? 'exec sleep 3600' : `sleep ${delay}\nn=0\nwhile :; do\n  n=$((n+1))\n  [ -n "${exitAfter ?? ''}" ] && [ $n -gt ${exitAfter ?? 0} ] && { echo 'it went wrong' >&2; exit 3; }\n  sed -n "$n p" '${data}' | grep . || tail -n 1 '${data}'\n  sleep 0.05\ndone`;
  writeFileSync(file, `#!/bin/sh\necho "$@" >> '${file}.args'\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A logger that keeps its lines. */
function keptLog(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('info', 'logfmt', (l) => lines.push(l)), lines };
}

// Constrained Language Mode (about_Language_Modes): type literals only of the allowed types,
// methods only on those; no static member access of other types, no delegates from script blocks.
const CLM_TYPES = new Set(['array', 'bool', 'byte', 'char', 'datetime', 'decimal', 'double', 'float', 'guid', 'hashtable', 'int', 'int16', 'int32', 'int64', 'long', 'ordered', 'pscustomobject', 'psobject', 'regex', 'string', 'timespan', 'uint32', 'uint64', 'version', 'void', 'wmi', 'ciminstance']);
// Methods the script calls; each is on a type CLM allows ([string]).
const CLM_METHODS = new Set(['ToCharArray']);
/** What in a script Constrained Language Mode refuses (empty when nothing). */
export function clmViolations(script: string): string[] {
  const code = script.replace(/'(?:[^']|'')*'/g, "''"); // strings hold no code
  const out: string[] = [];
  for (const m of code.matchAll(/\[([A-Za-z_][\w.]*)(\[\])?\]/g)) if (!CLM_TYPES.has(m[1].toLowerCase())) out.push(`type [${m[1]}]`);
  for (const m of code.matchAll(/::(\w+)/g)) out.push(`static member ::${m[1]}`);
  for (const m of code.matchAll(/\.(\w+)\(/g)) if (!CLM_METHODS.has(m[1])) out.push(`method .${m[1]}()`);
  return out;
}

describe('the WMI feed (one long-running PowerShell)', () => {
  it('sends every query in one script without double quotes, each in its own try/catch', () => {
    const script = cimScript(new Map(Object.entries({ ...VOLUME_QUERIES, ...MEMORY_QUERY })), 15_000);
    assert.doesNotMatch(script, /"/, 'the script travels as one command-line argument');
    for (const [name, q] of Object.entries({ ...VOLUME_QUERIES, ...MEMORY_QUERY })) {
      assert.ok(script.includes(`try { $r['${name}'] = @{ rows = @(${q}) } } catch { $r['${name}'] = @{ error = [string]$_ } }`), name);
    }
    assert.match(script, /ConvertTo-Json -InputObject \$r -Compress -Depth 5/);
    assert.match(script, /Write-Output \$j; Start-Sleep -Milliseconds 15000 \}$/);
    // Output is ASCII whatever the code page: other characters go out as \uXXXX.
    assert.ok(script.includes("'\\u{0:x4}' -f [int]$c"));
  });

  it('uses only what Constrained Language Mode allows (the check refuses what 1.0 sent)', () => {
    const script = cimScript(new Map(Object.entries({ ...VOLUME_QUERIES, ...MEMORY_QUERY })), 15_000);
    assert.deepEqual(clmViolations(script), []);
    // 1.0's lines, which CLM refuses: the check must see them.
    assert.deepEqual(clmViolations("$j = [regex]::Replace($j, '[^\\x00-\\x7e]', [Text.RegularExpressions.MatchEvaluator]{ param($m) '\\u{0:x4}' -f [int][char]$m.Value })"), ['type [Text.RegularExpressions.MatchEvaluator]', 'static member ::Replace']);
    assert.deepEqual(clmViolations('[Console]::Out.WriteLine($j); [Console]::Out.Flush()'), ['type [Console]', 'type [Console]', 'static member ::Out', 'static member ::Out', 'method .WriteLine()', 'method .Flush()']);
    assert.deepEqual(clmViolations('$x = New-Object System.Text.UTF8Encoding $false; $x.GetBytes($s)'), ['method .GetBytes()']);
  });

  it('reads the lines of a long-running process, and one query failing costs only that query', async () => {
    const ps = standIn('ps-ok', [JSON.stringify({ ...fixture, network_drives: { error: 'Access denied' } })]);
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    feed.register('volumes', VOLUME_QUERIES.volumes);
    feed.register('network_drives', VOLUME_QUERIES.network_drives);
    try {
      const v = await feed.first('volumes');
      assert.ok(v && 'rows' in v && Array.isArray(v.rows) && v.rows.length === 6);
      const n = feed.get('network_drives');
      assert.deepEqual(n && 'error' in n ? n.error : undefined, 'Access denied');
      const args = readFileSync(`${ps}.args`, 'utf8');
      assert.match(args, /^-NoLogo -NoProfile -NonInteractive -Command /);
    } finally {
      feed.close();
    }
  });

  it('restarts PowerShell when it dies, and answers a waiting scrape with the failure', async () => {
    const ps = standIn('ps-dies', [JSON.stringify(fixture)], 1);
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    feed.register('memory', MEMORY_QUERY.memory);
    try {
      assert.ok(await feed.first('memory'));
      const t0 = Date.now();
      // It exits after one line; the retry comes 5 s later and answers again.
      while (Date.now() - t0 < 9000 && readFileSync(`${ps}.args`, 'utf8') && (feed.get('memory') !== undefined)) await sleep(50);
      assert.equal(feed.get('memory'), undefined, 'stale after three intervals without a line');
      while (Date.now() - t0 < 9000 && feed.get('memory') === undefined) await sleep(50);
      assert.ok(feed.get('memory'), 'answers again after the restart');
    } finally {
      feed.close();
    }
    const { log, lines } = keptLog();
    const missing = new CimFeed(log, { intervalMs: 100, powershell: join(work, 'no-such-powershell.exe') });
    missing.register('memory', MEMORY_QUERY.memory);
    const o = await missing.first('memory');
    const state = missing.state;
    missing.close();
    assert.equal(o, undefined, 'a scrape waiting for the first answer is let go');
    assert.ok(state.kind === 'down' && /no-such-powershell\.exe does not exist \(Windows PowerShell is not installed/.test(state.why), JSON.stringify(state));
    assert.equal(lines.filter((l) => /level=warn/.test(l)).length, 1, lines.join('\n'));
    assert.match(lines[0], /msg="WMI is not answering: disks come from probing drive letters/);
  });

  it('backs off a PowerShell that answers once and dies (1.0 restarted it every 5 s), and says why once, with its stderr', async () => {
    const ps = standIn('ps-flap', [JSON.stringify(fixture)], 1);
    const { log, lines } = keptLog();
    const feed = new CimFeed(log, { intervalMs: 100, powershell: ps, retryMs: 50 });
    feed.register('memory', MEMORY_QUERY.memory);
    await sleep(1600);
    feed.close();
    // 50, 100, 200, 400, 800 ms apart: at most 5 starts in 1.6 s (20 or more without back-off).
    const starts = readFileSync(`${ps}.args`, 'utf8').trim().split('\n').length;
    assert.ok(starts >= 2 && starts <= 5, `${starts} starts`);
    const warns = lines.filter((l) => /level=warn/.test(l));
    assert.equal(warns.length, 1, lines.join('\n'));
    assert.match(warns[0], /err="PowerShell exited \(code 3\): it went wrong"/);
  });

  it('counts lines that are not JSON instead of logging each, and restarts a PowerShell that prints only those', async () => {
    const ps = standIn('ps-garbage', ['Loading personal and system profiles took 812ms.', 'garbage']);
    const { log, lines } = keptLog();
    const feed = new CimFeed(log, { intervalMs: 100, powershell: ps, silenceMs: 400, retryMs: 10_000 });
    feed.register('memory', MEMORY_QUERY.memory);
    await sleep(1200);
    const state = feed.state;
    feed.close();
    assert.ok(state.kind === 'down' && /printed lines that are not JSON/.test(state.why), JSON.stringify(state));
    assert.equal(lines.length, 1, lines.join('\n'));
  });

  it('takes rows in every shape ConvertTo-Json writes them', () => {
    assert.deepEqual(rowsOf([{ a: 1 }]), [{ a: 1 }]);
    assert.deepEqual(rowsOf({ a: 1 }), [{ a: 1 }]);
    assert.deepEqual(rowsOf({ value: [{ a: 1 }, { a: 2 }], Count: 2 }), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(rowsOf(null), []);
  });
});

describe('windows memory', () => {
  it('physical memory from os on each scrape; page files and commit charge from WMI', async () => {
    const c = createMemoryCollector({
      procfs: '/nonexistent',
      platform: 'win32',
      log: quiet,
      windowsSource: { totalmem: () => 16e9, freemem: () => 4e9, virtual: () => virtualMemoryFromCim(fixture.memory.rows) },
    });
    const out = new SampleSet();
    await c.collect(ctx(), out);
    const text = render([out], 'text');
    const s = parseExposition(text).samples;
    assert.equal(value(s, 'sys_memory_total_bytes'), 16e9);
    assert.equal(value(s, 'sys_memory_available_bytes'), 4e9);
    assert.equal(value(s, 'sys_memory_used_bytes'), 12e9);
    assert.equal(value(s, 'sys_memory_used_ratio'), 0.75);
    assert.equal(value(s, 'sys_swap_total_bytes'), 8388608 * 1024);
    assert.equal(value(s, 'sys_swap_free_bytes'), 7340032 * 1024);
    assert.equal(value(s, 'sys_memory_commit_limit_bytes'), 25163776 * 1024);
    assert.equal(value(s, 'sys_memory_committed_bytes'), (25163776 - 9437184) * 1024);
    assert.equal(promtoolCheck(text).code, 0);
  });

  it('leaves page files and commit out, not zero, until WMI answers; rejects rows that do not add up', async () => {
    const c = createMemoryCollector({ procfs: '/nonexistent', platform: 'win32', log: quiet, windowsSource: { totalmem: () => 8e9, freemem: () => 8e9, virtual: () => undefined } });
    const out = new SampleSet();
    await c.collect(ctx(), out);
    const s = parseExposition(render([out], 'text')).samples;
    for (const n of ['sys_swap_total_bytes', 'sys_swap_free_bytes', 'sys_memory_commit_limit_bytes', 'sys_memory_committed_bytes']) assert.equal(value(s, n), undefined, n);
    assert.equal(virtualMemoryFromCim([{ TotalVirtualMemorySize: 10, FreeVirtualMemory: 20, SizeStoredInPagingFiles: 0, FreeSpaceInPagingFiles: 0 }]), undefined);
    assert.equal(virtualMemoryFromCim([{ TotalVirtualMemorySize: 10 }]), undefined);
    assert.equal(virtualMemoryFromCim([]), undefined);
  });

  it('the first scrape waits for the first WMI answer within its deadline', async () => {
    const ps = standIn('ps-mem', [JSON.stringify(fixture)]);
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    const c = createMemoryCollector({ procfs: '/nonexistent', platform: 'win32', log: quiet, cim: feed });
    try {
      const out = new SampleSet();
      await c.collect(ctx(5000), out);
      const s = parseExposition(render([out], 'text')).samples;
      assert.equal(value(s, 'sys_memory_commit_limit_bytes'), 25163776 * 1024);
    } finally {
      feed.close();
    }
  });
});

describe('windows volumes', () => {
  it('normalises drive names', () => {
    assert.equal(driveOf('c:'), 'C:');
    assert.equal(driveOf('D:\\'), 'D:');
    assert.equal(driveOf('\\\\server\\share'), undefined);
  });

  it('every volume from WMI: letters, mounted folders, no path at all, network drives, with drive types and read-only from the partition or disk', () => {
    const v = volumesFromCim(fixture.volumes.rows, fixture.network_drives.rows, readOnlyPaths(fixture.partitions.rows, fixture.disks.rows));
    assert.deepEqual(v.map((m) => [m.mountpoint, m.device, m.fstype, m.driveType, m.readonly]), [
      ['\\\\?\\Volume{8a6c1d2e-0000-0000-0000-602200000000}', '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-602200000000}', 'NTFS', 'fixed', false],
      ['C:', '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-100000000000}', 'NTFS', 'fixed', false],
      ['C:\\SQLData\\Data01', '\\\\?\\Volume{3f2504e0-4f89-11d3-9a0c-0305e82c3301}', 'NTFS', 'fixed', false],
      // On disk 2, which is read-only (a SAN snapshot).
      ['C:\\SQLData\\Log01', '\\\\?\\Volume{3f2504e0-4f89-11d3-9a0c-0305e82c3302}', 'ReFS', 'fixed', true],
      // A DVD has no partition: not known (Win32_Volume.Access says 1, but it is null on most hosts and not read).
      ['D:', '\\\\?\\Volume{d1e5a0b4-7c1f-11ef-8a3b-806e6f6e6963}', 'UDF', 'cdrom', false],
      // Its partition is read-only.
      ['E:', '\\\\?\\Volume{b2a7c9d0-7c1f-11ef-8a3b-806e6f6e6963}', 'FAT32', 'removable', true],
      ['Y:', '\\\\fs01\\share', 'NTFS', 'remote', undefined],
    ]);
    // Without the Storage namespace's answers, read-only is not known rather than 0.
    assert.deepEqual(volumesFromCim(fixture.volumes.rows, [], readOnlyPaths(undefined, fixture.disks.rows)).map((m) => m.readonly), Array(6).fill(undefined));
    // A row without a name or device, and junk, cost nothing else.
    assert.equal(volumesFromCim([null, 3, { Name: 'F:\\' }, ...(fixture.volumes.rows as unknown[])], 'junk').length, 6);
  });

  it('the Windows defaults leave out the CD/ISO and the USB stick, as node_exporter leaves out iso9660', () => {
    const parsed = parseArgs([], 'win32');
    assert.equal(parsed.kind, 'run');
    if (parsed.kind !== 'run') return;
    const kept = filterMounts(volumesFromCim(fixture.volumes.rows, fixture.network_drives.rows), filterOf(parsed.config));
    assert.deepEqual(kept.map((m) => m.mountpoint), ['\\\\?\\Volume{8a6c1d2e-0000-0000-0000-602200000000}', 'C:', 'C:\\SQLData\\Data01', 'C:\\SQLData\\Log01', 'Y:']);
    const all = parseArgs(['--collector.disk.drive-types-exclude=^$', '--collector.disk.fs-types-exclude=^$'], 'win32');
    assert.ok(all.kind === 'run' && filterMounts(volumesFromCim(fixture.volumes.rows, []), filterOf(all.config)).length === 6);
  });

  it('falls back to the drive letters whose root answers statfs, or hangs (kept to report the error), less a DVD or ISO', async () => {
    const FULL: StatfsResult = { ...C, bfree: 0, bavail: 0 };
    const gate = new StatfsGate({ capacity: 8, hungAfterMs: 50, statfs: (p) => {
      if (p === 'C:\\' || p === 'E:\\') return Promise.resolve(C);
      if (p === 'F:\\' || p === 'G:\\') return Promise.resolve(FULL); // F: a full disk, G: a mounted ISO
      if (p === 'Z:\\') return new Promise(() => undefined); // a dead network drive
      return Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' }));
    } });
    // CDFS and UDF roots are read-only; a full NTFS root is not.
    const stat = async (p: string) => ({ mode: p === 'G:\\' ? 0o40555 : 0o40777 });
    const v = await probeDriveLetters(gate, 300, stat);
    assert.deepEqual(v.map((x) => x.mountpoint), ['C:', 'E:', 'F:', 'Z:']);
    assert.ok(v.every((x) => x.readonly === undefined && x.driveType === undefined));
  });

  it('serves the drive letters from the first scrape while PowerShell hangs, then WMI without changing a series', async () => {
    const gate = new StatfsGate({ capacity: 8, hungAfterMs: 500, statfs: (p) => (p === 'C:\\' || p === 'E:\\' ? Promise.resolve(C) : Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' }))) });
    const ps = standIn('ps-slow', [JSON.stringify(fixture)], undefined, 2.5); // WMI answers after 2.5 s
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    const parsed = parseArgs([], 'win32');
    assert.ok(parsed.kind === 'run');
    const c = createDiskCollector({ platform: 'win32', procfs: '/proc', rootfs: '/', filter: filterOf(parsed.config), gate, log: quiet, cim: feed });
    const health = new WmiHealth(feed);
    try {
      const scrape = async () => {
        const out = new SampleSet();
        const t0 = Date.now();
        await Promise.all([c.collect(ctx(5000), out), health.collect(ctx(5000), out)]);
        return { ms: Date.now() - t0, text: render([out], 'text') };
      };
      const first = await scrape();
      assert.ok(first.ms < 2500, `first scrape took ${first.ms} ms`);
      let s = parseExposition(first.text).samples;
      assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:' }), C.blocks * C.bsize);
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 0);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:' }), undefined);
      const before = first.text.split('\n').filter((l) => l.startsWith('sys_disk_size_bytes{') && l.includes('"C:"'));
      await sleep(2000);
      const later = await scrape();
      s = parseExposition(later.text).samples;
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 1);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:', device: '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-100000000000}', fstype: 'NTFS', drive_type: 'fixed' }), 1);
      // The same series for C: (label set and all), and the USB stick E: gone by the defaults.
      const after = later.text.split('\n').filter((l) => l.startsWith('sys_disk_size_bytes{') && l.includes('"C:"'));
      assert.deepEqual(after.map((l) => l.split(' ')[0]), before.map((l) => l.split(' ')[0]));
      assert.deepEqual(before.map((l) => l.split(' ')[0]), ['sys_disk_size_bytes{mountpoint="C:"}']);
      assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'E:' }), undefined);
      assert.equal(value(parseExposition(first.text).samples, 'sys_disk_size_bytes', { mountpoint: 'E:' }), C.blocks * C.bsize, 'the probe cannot tell a USB stick');
      assert.equal(promtoolCheck(later.text).code, 0);
    } finally {
      c.close();
      feed.close();
    }
  });

  it('a volume that stops answering reports sys_disk_device_error 1 and stays in the output', async () => {
    let dead = false;
    const gate = new StatfsGate({ capacity: 8, hungAfterMs: 100, statfs: (p) => (dead && p === 'Y:\\' ? new Promise(() => undefined) : Promise.resolve(p === 'C:\\' ? C : D)) });
    const ps = standIn('ps-vol', [JSON.stringify(fixture)]);
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    const parsed = parseArgs([], 'win32');
    assert.ok(parsed.kind === 'run');
    const c = createDiskCollector({ platform: 'win32', procfs: '/proc', rootfs: '/', filter: filterOf(parsed.config), gate, log: quiet, cim: feed });
    try {
      const scrape = async () => {
        const out = new SampleSet();
        await c.collect(ctx(1000), out);
        return parseExposition(render([out], 'text')).samples;
      };
      let s = await scrape();
      assert.equal(value(s, 'sys_disk_device_error', { mountpoint: 'Y:' }), 0);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'Y:', device: '\\\\fs01\\share', drive_type: 'remote' }), 1);
      assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:\\SQLData\\Data01' }), D.blocks * D.bsize);
      dead = true;
      for (let i = 0; i < 3; i++) {
        s = await scrape();
        assert.equal(value(s, 'sys_disk_device_error', { mountpoint: 'Y:' }), 1, `scrape ${i}`);
        assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:' }), C.blocks * C.bsize);
      }
    } finally {
      c.close();
      feed.close();
    }
  });

  it('emits disk metrics per volume root, C: style, without inode families', async () => {
    const paths: string[] = [];
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: (p) => {
      paths.push(String(p));
      return Promise.resolve(p === 'C:\\' ? C : D);
    } });
    const c = createDiskCollector({
      platform: 'win32',
      procfs: '/proc',
      rootfs: '/',
      filter: { mountPointsExclude: /^$/, fsTypesExclude: /^$/ },
      gate,
      log: quiet,
      discovery: async () => [
        { device: 'C:', mountpoint: 'C:', fstype: 'NTFS', readonly: false, driveType: 'fixed' },
        { device: 'D:', mountpoint: 'D:', fstype: 'FAT32', readonly: true },
        { device: 'X', mountpoint: 'C:\\mnt\\data', fstype: 'NTFS', readonly: undefined },
      ],
    });
    try {
      const out = new SampleSet();
      await c.collect(ctx(), out);
      const text = render([out], 'text');
      const s = parseExposition(text).samples;
      const l = { mountpoint: 'C:' };
      // Series carry the mount point only; WMI's device and filesystem are in sys_disk_info.
      for (const x of s) if (x.name !== 'sys_disk_info' && x.name !== 'sys_disk_hung_statfs_calls') assert.deepEqual(Object.keys(x.labels), ['mountpoint'], x.name);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:', device: 'C:', fstype: 'NTFS', drive_type: 'fixed' }), 1);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'D:' }), undefined);
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'C:\\mnt\\data' }), undefined, 'not known: left out, not 0');
      assert.deepEqual(paths.sort(), ['C:\\', 'C:\\mnt\\data\\', 'D:\\']);
      assert.equal(value(s, 'sys_disk_size_bytes', l), 25_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_free_bytes', l), 10_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_available_bytes', l), 9_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_used_bytes', l), 15_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_used_ratio', l), 15 / 24);
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'D:' }), 1);
      assert.equal(value(s, 'sys_disk_files', l), undefined);
      const windowsFamilies = new Set(familiesFor('win32').map((d) => d.name));
      for (const x of s) assert.ok(windowsFamilies.has(x.name), `${x.name} is declared for Windows`);
      assert.equal(promtoolCheck(text).code, 0);
    } finally {
      c.close();
    }
  });

  it('takes a refused Storage query as optional: read-only left out, wmi_up not 0, said once at info', async () => {
    const denied = { error: 'Access to a CIM resource was not available to the client.' };
    const ps = standIn('ps-storage-denied', [JSON.stringify({ ...fixture, partitions: denied, disks: denied })]);
    const { log, lines } = keptLog();
    const feed = new CimFeed(log, { intervalMs: 100, powershell: ps });
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 200, statfs: () => Promise.resolve(C) });
    const parsed = parseArgs([], 'win32');
    assert.ok(parsed.kind === 'run');
    const c = createDiskCollector({ platform: 'win32', procfs: '/proc', rootfs: '/', filter: filterOf(parsed.config), gate, log, cim: feed, });
    const health = new WmiHealth(feed);
    try {
      await sleep(500);
      const out = new SampleSet();
      await Promise.all([c.collect(ctx(2000), out), health.collect(ctx(2000), out)]);
      const s = parseExposition(render([out], 'text')).samples;
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 1);
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'partitions' }), undefined);
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'C:' }), undefined, 'not known: left out');
      assert.ok(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:' })! > 0);
      assert.equal(lines.filter((l) => /level=warn/.test(l)).length, 0, lines.join('\n'));
      assert.equal(lines.filter((l) => /optional WMI query failed/.test(l)).length, 2, lines.join('\n'));
    } finally {
      c.close();
      feed.close();
    }
  });

  it('cimDiscovery keeps the last WMI list when a later answer is an error', async () => {
    const ok = JSON.stringify(fixture);
    const bad = JSON.stringify({ ...fixture, volumes: { error: 'Quota violation' } });
    const ps = standIn('ps-flaky', [ok, bad]);
    const feed = new CimFeed(quiet, { intervalMs: 100, powershell: ps });
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: () => Promise.resolve(C) });
    const discover = cimDiscovery(feed, gate, quiet);
    try {
      const first = await discover(new AbortController().signal);
      assert.equal(first.length, 7);
      assert.equal(first.find((m) => m.mountpoint === 'C:\\SQLData\\Log01')?.readonly, true);
      await sleep(300); // the error line has come by now
      const v = feed.get('volumes');
      assert.ok(v && 'error' in v);
      assert.equal(await discover(new AbortController().signal), first);
    } finally {
      feed.close();
    }
  });
});

describe('windows command line', () => {
  it('--help on Windows shows the Windows defaults and no Linux-only flag', () => {
    const r = parseArgs(['--help'], 'win32');
    assert.ok(r.kind === 'exit');
    assert.doesNotMatch(r.output, /path\.procfs|path\.rootfs|\/proc|iso9660|var\/lib\/docker/);
    assert.match(r.output, /--collector\.disk\.drive-types-exclude <regex>[\s\S]*default: "\^\(cdrom\|removable\|no_root_dir\|unknown\)\$"/);
    assert.match(r.output, /default: "\^\(CDFS\|UDF\)\$"/);
    const linux = parseArgs(['--help'], 'linux');
    assert.ok(linux.kind === 'exit');
    assert.match(linux.output, /--path\.procfs/);
    assert.doesNotMatch(linux.output, /drive-types-exclude/);
  });

  it('refuses a flag of another platform, naming it', () => {
    assert.throws(() => parseArgs(['--path.procfs=/host/proc'], 'win32'), /^Error: --path\.procfs applies to Linux only$/);
    assert.throws(() => parseArgs(['--collector.disk.drive-types-exclude=^x$'], 'linux'), /--collector\.disk\.drive-types-exclude applies to Windows only/);
  });
});
