// Running as a service (systemd unit, install.sh, the Windows service under wine) and the
// operator kit (Prometheus rules, Grafana dashboard).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARTIFACTS } from '../scripts/dist';
import { readZip } from '../scripts/lib/archive-read';
import { ROOT } from '../scripts/lib/steps';
import { ARM64_TGZ, ZIPS } from '../scripts/package';
import { CATALOG } from '../src/metrics/catalog';
import { buildPackages, freePort, request, sleep } from './helpers';
import { WINE, WINESERVER, wineEnv, wineSkip } from './wine';

const PACKAGING = join(ROOT, 'packaging');
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'sysexp-svc-'));
  buildPackages();
});
after(() => rmSync(work, { recursive: true, force: true }));

function extract(zip: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const e of readZip(readFileSync(zip))) writeFileSync(join(dir, e.name), e.data, { mode: e.mode || 0o644 });
}


describe('systemd', () => {
  it('the unit passes systemd-analyze verify without a warning', () => {
    const unit = readFileSync(join(PACKAGING, 'systemd', 'sys-exporter.service'), 'utf8');
    for (const d of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=', 'PrivateTmp=yes', 'Restart=on-failure', 'User=sys-exporter', '--config.file=/etc/sys-exporter.yml']) {
      assert.ok(unit.includes(d), `unit has ${d}`);
    }
    // verify checks that ExecStart exists: point it at the built binary, nothing else changes.
    const dir = join(work, 'unit');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'sys-exporter.service'), unit.replace('/usr/local/bin/exporter-linux', ARTIFACTS.linux));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'sys-exporter.service')], { encoding: 'utf8' });
    if (r.error) throw new Error("systemd-analyze is missing (Debian package 'systemd')");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  });

  it('install.sh installs, is idempotent, and --uninstall undoes it', () => {
    const pkg = join(work, 'linux-pkg');
    extract(ZIPS.linux, pkg);
    const root = join(work, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) if (existsSync(`/etc/${f}`)) copyFileSync(`/etc/${f}`, join(root, 'etc', f));
    const run = (...args: string[]) => spawnSync('sh', [join(pkg, 'install.sh'), '--root', root, ...args], { encoding: 'utf8' });

    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created system user sys-exporter/);
    assert.match(first.stdout, /next/);
    const bin = join(root, 'usr/local/bin/exporter-linux');
    assert.equal(statSync(bin).mode & 0o777, 0o755);
    assert.ok(readFileSync(bin).equals(readFileSync(ARTIFACTS.linux)));
    assert.equal(readFileSync(join(root, 'etc/systemd/system/sys-exporter.service'), 'utf8'), readFileSync(join(PACKAGING, 'systemd', 'sys-exporter.service'), 'utf8'));
    assert.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^sys-exporter:x:\d+:\d+::\/nonexistent:\/usr\/sbin\/nologin$/m);
    // The default settings are a valid config for the binary itself.
    const conf = join(root, 'etc/sys-exporter.yml');
    writeFileSync(conf, readFileSync(conf, 'utf8')); // untouched content
    const check = spawnSync(bin, [`--config.file=${conf}`, '--version'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);

    writeFileSync(conf, 'web.listen-address: ":9700"\n');
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /user sys-exporter exists/);
    assert.match(second.stdout, /kept existing/);
    assert.equal(readFileSync(conf, 'utf8'), 'web.listen-address: ":9700"\n');
    assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8').match(/^sys-exporter:/gm)!.length, 1);

    const gone = run('--uninstall');
    assert.equal(gone.status, 0, gone.stderr);
    assert.ok(!existsSync(bin));
    assert.ok(!existsSync(join(root, 'etc/systemd/system/sys-exporter.service')));
    assert.doesNotMatch(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^sys-exporter:/m);
    assert.ok(existsSync(conf), 'settings are kept');
    const again = run('--uninstall');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(run('--bogus').status, 2);
    const wrong = run('--arch', 'aarch64');
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^install\.sh: this host is aarch64 but this package is for x86_64: use the linux-aarch64 package$/m);
    assert.ok(!existsSync(bin), 'nothing installed');
  });

  it('the aarch64 release: install.sh installs exporter-linux-arm64 as exporter-linux, and it runs (qemu-user)', () => {
    const dir = join(work, 'arm64-pkg');
    mkdirSync(dir);
    execFileSync('tar', ['-xzf', ARM64_TGZ, '-C', dir]);
    const pkg = join(dir, readdirSync(dir)[0]);
    assert.deepEqual(readdirSync(pkg).sort(), ['exporter-linux-arm64', 'install.sh', 'sys-exporter.service']);
    const root = join(work, 'root-arm64');
    mkdirSync(join(root, 'etc'), { recursive: true });
    for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) if (existsSync(`/etc/${f}`)) copyFileSync(`/etc/${f}`, join(root, 'etc', f));
    const r = spawnSync('sh', [join(pkg, 'install.sh'), '--root', root, '--arch', 'aarch64'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bin = join(root, 'usr/local/bin/exporter-linux');
    assert.ok(readFileSync(bin).equals(readFileSync(ARTIFACTS.linuxArm64)));
    const v = spawnSync('qemu-aarch64', [bin, '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(v.stdout, /platform: linux\/arm64/, v.stderr);
    // On an x86-64 host the same package says which one to take instead.
    const host = spawnSync('sh', [join(pkg, 'install.sh'), '--root', join(work, 'root-x86')], { encoding: 'utf8' });
    assert.equal(host.status, 1);
    assert.match(host.stderr, /this host is x86_64 but this package is for aarch64/);
  });
});


describe('Windows service under wine', { skip: wineSkip }, () => {
  // What an administrator does with the zip, in order, on one wine prefix: the service manager,
  // registry, sc, net, taskkill and cmd are wine's own. The folder has spaces and parentheses,
  // as "C:\Program Files (x86)\..." or a second download "... (1)" have.
  const env = wineEnv();
  const drive = join(env.WINEPREFIX!, 'drive_c');
  const programs = join(drive, 'Program Files', 'sys-exporter');
  const data = join(drive, 'ProgramData', 'sys-exporter');
  const logFile = join(data, 'logs', 'sys-exporter.log');
  const KEY = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\sys_exporter';
  let dir: string;
  let port: number;
  const winPath = (p: string) => `Z:${p.replace(/\//g, '\\')}`;
  const wine = (...args: string[]) => {
    const r = spawnSync(WINE, args, { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\0/g, '') };
  };
  // "call" keeps cmd /c from stripping the quotes around a path with parentheses in it.
  const bat = (name: string, ...args: string[]) => wine('cmd', '/c', 'call', winPath(join(dir, name)), ...args);
  const host = (...args: string[]) => wine(`C:\\Program Files\\sys-exporter\\sys-exporter-service.exe`, ...args);
  const regValue = (name: string, key = KEY) => /REG_\w+\s+(.*)$/m.exec(wine('reg', 'query', key, '/v', name).out)?.[1]?.trim();
  const scrape = () => request(`http://127.0.0.1:${port}/metrics`, {}, 'GET', 3000).then((r) => r.body.toString(), () => '');
  const serving = async (ms: number) => {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(250)) if (/^sys_memory_total_bytes \d+$/m.test(await scrape())) return true;
    return false;
  };
  const settings = (text: string) => writeFileSync(join(data, 'sys-exporter.yml'), text);
  // Oldest first (sys-exporter.log.N ... .1, then the current log): what is written comes last.
  const logAge = (f: string) => -Number(/\.(\d+)$/.exec(f)?.[1] ?? 0);
  const logText = () => readdirSync(join(data, 'logs')).sort((a, b) => logAge(a) - logAge(b)).map((f) => readFileSync(join(data, 'logs', f), 'utf8')).join('');
  /** A test program of test/windows, built with mingw-w64 and started under wine. */
  const attacker = (name: string, ...args: string[]): ChildProcess => {
    const exe = join(work, `${name}.exe`);
    if (!existsSync(exe)) {
      const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-municode', '-O2', '-o', exe, join(ROOT, 'test', 'windows', `${name}.c`), '-lntdll'], { encoding: 'utf8' });
      assert.equal(cc.status, 0, cc.stderr);
    }
    return spawn(WINE, [exe, ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  };
  const ended = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', r)));
  const exporterRunning = () => /exporter-windows\.exe/i.test(wine('tasklist').out);
  // Wine's net stop returns before the service has stopped (Windows' waits): wait for it here.
  const netStop = async () => {
    const r = wine('net', 'stop', 'sys_exporter');
    for (const t0 = Date.now(); Date.now() - t0 < 20_000; await sleep(200)) if (!/STATE\s+:\s+\d\s+(RUNNING|STOP_PENDING)/.test(wine('sc', 'query', 'sys_exporter').out)) break;
    return r;
  };

  before(async () => {
    dir = join(work, 'Program Files (x86) sys-exporter (1)');
    extract(ZIPS.windows, dir);
    // One wineserver for the whole suite; each wine "boot" starts automatic services, as Windows
    // does, so leftovers from an earlier run are removed first.
    spawnSync(WINESERVER, ['-k'], { env });
    spawnSync(WINESERVER, ['-p'], { env, stdio: 'ignore' });
    spawnSync(WINE, ['wineboot'], { env, stdio: 'ignore', timeout: 120_000 });
    await netStop();
    wine('sc', 'delete', 'sys_exporter');
    rmSync(programs, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });
  after(async () => {
    await netStop();
    wine('sc', 'delete', 'sys_exporter');
    spawnSync(WINESERVER, ['-k'], { env });
  });

  it('the zip carries the service host, the scripts with CRLF ends, and loopback-only settings', () => {
    for (const f of ['sys-exporter-service.exe', 'install-service.bat', 'uninstall-service.bat', 'exporter-windows.exe', 'sys-exporter.yml']) assert.ok(existsSync(join(dir, f)), f);
    assert.ok(!existsSync(join(dir, 'nssm.exe')), 'no NSSM');
    for (const f of ['install-service.bat', 'uninstall-service.bat', 'sys-exporter.yml']) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /[^\r]\n/, f);
    assert.match(readFileSync(join(dir, 'sys-exporter.yml'), 'utf8'), /^web\.listen-address: "127\.0\.0\.1:9601"\r$/m);
  });

  it('refuses a foreign service called sys_exporter and leaves it alone', () => {
    assert.equal(wine('sc', 'create', 'sys_exporter', 'binPath=', 'C:\\windows\\system32\\notepad.exe').code, 0);
    try {
      const r = bat('install-service.bat');
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /already exists and is not sys-exporter's \(it runs C:\\windows\\system32\\notepad\.exe\)/);
      assert.match(r.out, /FAILED: nothing was started/);
      assert.equal(regValue('ImagePath'), 'C:\\windows\\system32\\notepad.exe');
      assert.ok(!existsSync(programs), 'nothing copied');
    } finally {
      wine('sc', 'delete', 'sys_exporter');
    }
  });

  it('installs from a folder with parentheses: Program Files, quoted ImagePath, LocalService, running', async () => {
    port = await freePort();
    mkdirSync(data, { recursive: true });
    settings(`web.listen-address: "127.0.0.1:${port}"\n`);
    const r = bat('install-service.bat');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /copied the programs to C:\\Program Files\\sys-exporter/);
    assert.match(r.out, /installed service sys_exporter/);
    assert.match(r.out, /sys_exporter is running/);
    assert.doesNotMatch(r.out, /not installed|error|syntax/i);
    for (const f of ['exporter-windows.exe', 'sys-exporter-service.exe', 'uninstall-service.bat']) assert.ok(readFileSync(join(programs, f)).equals(readFileSync(join(dir, f))), f);
    assert.equal(regValue('ImagePath'), '"C:\\Program Files\\sys-exporter\\sys-exporter-service.exe"');
    assert.equal(regValue('ObjectName'), 'NT AUTHORITY\\LocalService');
    assert.equal(regValue('Start'), '0x2', 'starts at boot');
    assert.equal(readFileSync(join(data, 'sys-exporter.yml'), 'utf8'), `web.listen-address: "127.0.0.1:${port}"\n`, 'existing settings kept');
    assert.ok(await serving(5000), 'serves once install-service.bat returns');
    assert.match(await scrape(), /^sys_disk_size_bytes\{mountpoint="C:"\} \d+$/m);
  });

  it('registers its Application event log source, with itself as the message file', () => {
    const key = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\sys-exporter';
    assert.equal(regValue('EventMessageFile', key), 'C:\\Program Files\\sys-exporter\\sys-exporter-service.exe');
    assert.equal(regValue('TypesSupported', key), '0x7');
  });

  it('the control pipe: a grabber connecting to every pipe it can find is refused, a bad config never looks running, stop reaches the exporter', async () => {
    // 1.0: a grabber connected 11 ms after launch was taken for the exporter ("running" for a
    // bad config) and the stop went to it.
    const grabbed = join(work, 'grabbed.txt');
    rmSync(grabbed, { force: true });
    await netStop();
    const grabber = attacker('pipe-grabber', '90', winPath(grabbed));
    try {
      await sleep(1500);
      settings('web.listen-address: "127.0.0.1:notaport"\n');
      const bad = host('start');
      assert.equal(bad.code, 1, bad.out);
      assert.doesNotMatch(bad.out, /is running/);
      settings(`web.listen-address: "127.0.0.1:${port}"\n`);
      const good = host('start');
      assert.equal(good.code, 0, good.out);
      assert.match(good.out, /sys_exporter is running/);
      assert.ok(await serving(5000));
      // Wine cannot list \\.\pipe\ (Windows can), but the grabber reads the name from a starting
      // exporter's environment, and connects before the exporter does.
      const took = readFileSync(grabbed, 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
      assert.ok(took.length >= 1 && took.every((n) => /^\\\\\.\\pipe\\sys-exporter-service-[0-9a-f]{32}$/.test(n)), `the grabber got there first: ${took.join(', ')}`);
      assert.match(logText(), /msg="refused a connection to the control pipe from process \d+, which is not exporter-windows\.exe \(pid \d+\); 1 refused so far"/);
      assert.ok(logText().split('\n').filter((l) => /refused a connection/.test(l)).length <= 8, 'refusals are not logged one by one');
      const before = logText().length;
      assert.equal((await netStop()).code, 0);
      const log = logText().slice(before);
      assert.match(log, /msg="shutting down"/, 'the stop reached the exporter, not the grabber');
      assert.doesNotMatch(log, /terminated/);
    } finally {
      grabber.kill();
      await ended(grabber);
    }
  });

  it('the 4096 pipe names 1.0 would use, taken first, do not stop a start (1.0: "Pipe busy", exit 231)', async () => {
    const squatter = attacker('pipe-squatter', '60');
    try {
      let made = '';
      squatter.stdout!.on('data', (b: Buffer) => (made += b.toString()));
      for (const t0 = Date.now(); Date.now() - t0 < 30_000 && !/\d+/.test(made); ) await sleep(100);
      assert.ok(Number.parseInt(made, 10) > 4000, `squatted ${made}`);
      const r = host('start');
      assert.equal(r.code, 0, r.out);
      assert.ok(await serving(5000));
    } finally {
      squatter.kill();
      await ended(squatter);
    }
  });

  it('killing the host kills the exporter (job object), and the next start succeeds', async () => {
    assert.ok(exporterRunning());
    assert.equal(wine('taskkill', '/F', '/IM', 'sys-exporter-service.exe').code, 0);
    for (const t0 = Date.now(); Date.now() - t0 < 10_000 && exporterRunning(); ) await sleep(250);
    assert.ok(!exporterRunning(), 'the exporter went with its host');
    assert.equal(await scrape(), '');
    for (const t0 = Date.now(); Date.now() - t0 < 10_000 && !/STATE\s+:\s+1\s+STOPPED/.test(wine('sc', 'query', 'sys_exporter').out); ) await sleep(250);
    const r = host('start');
    assert.equal(r.code, 0, r.out);
    assert.ok(await serving(5000), 'the port was free again');
  });

  it('restarts the exporter 5 s after it dies', async () => {
    assert.equal(wine('taskkill', '/F', '/IM', 'exporter-windows.exe').code, 0);
    const t0 = Date.now();
    for (; Date.now() - t0 < 3000 && (await scrape()) !== ''; ) await sleep(100);
    assert.equal(await scrape(), '', 'down after the kill');
    assert.ok(await serving(15_000), 'serving again');
    assert.match(readFileSync(logFile, 'utf8'), /level=error source=sys-exporter-service msg="exporter-windows.exe exited with code \d+ while serving; restarting it in 5 s"/);
  });

  it('backs off a crash loop: the next crash waits 10 s', async () => {
    assert.equal(wine('taskkill', '/F', '/IM', 'exporter-windows.exe').code, 0);
    for (const t0 = Date.now(); Date.now() - t0 < 5000 && !/restarting it in 10 s/.test(logText()); ) await sleep(200);
    assert.match(logText(), /msg="exporter-windows.exe exited with code \d+ while serving; restarting it in 10 s"/);
    assert.ok(!(await serving(6000)), 'not back after 6 s');
    assert.ok(await serving(15_000), 'back after 10 s');
  });

  it('stops gracefully: net stop reaches the exporter, which closes its listener itself', async () => {
    const before = readFileSync(logFile, 'utf8').length;
    const r = await netStop();
    assert.equal(r.code, 0, r.out);
    assert.equal(await scrape(), '');
    const log = readFileSync(logFile, 'utf8').slice(before);
    assert.match(log, /msg="shutting down"/);
    assert.match(log, /msg=stopped\r?\n/);
    assert.match(log, /msg="exporter-windows.exe stopped with code 0"/);
    assert.doesNotMatch(log, /terminated/);
  });

  it('a start that fails shows as failed, with the reason from the log', () => {
    settings('web.listen-address: "127.0.0.1:notaport"\n');
    const r = host('start');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /sys_exporter failed to start: the exporter exited with code 2/);
    assert.match(r.out, /sys-exporter: error: .*notaport/, 'the exporter\'s own error line');
    const q = wine('sc', 'query', 'sys_exporter').out;
    assert.match(q, /STATE\s+:\s+1\s+STOPPED/);
    assert.match(q, /WIN32_EXIT_CODE\s+:\s+1066/, 'ERROR_SERVICE_SPECIFIC_ERROR');
    assert.match(q, /SERVICE_EXIT_CODE\s+:\s+2\b/);
    // (Wine's net start does not wait for the outcome; Windows' reports error 1066 here.)
  });

  it('stops a service that is still starting (1.0: error 1061), as an upgrade during a slow start does', async () => {
    await netStop();
    // Settings that start: the last test's bad ones made the exporter exit by itself, at times
    // before the stop was sent, and then there was nothing to stop.
    settings(`web.listen-address: "127.0.0.1:${port}"\n`);
    assert.equal(wine('sc', 'start', 'sys_exporter').code, 0);
    const q = wine('sc', 'query', 'sys_exporter').out;
    assert.match(q, /START_PENDING/, 'asked while starting');
    const r = host('stop');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /stopped sys_exporter/);
    assert.match(wine('sc', 'query', 'sys_exporter').out, /STATE\s+:\s+1\s+STOPPED/);
    assert.ok(!exporterRunning());
  });

  it('upgrades in place: stops, replaces the programs, keeps the settings, starts', async () => {
    settings(`web.listen-address: "127.0.0.1:${port}"\n`);
    assert.equal(host('start').code, 0);
    writeFileSync(join(programs, 'exporter-windows.exe'), 'old build'); // what the upgrade replaces
    const r = bat('install-service.bat', '/firewall');
    assert.equal(r.code, 0, r.out);
    // Wine's netsh accepts the rule and keeps nothing: only the call is shown here.
    assert.match(r.out, /firewall rule "sys-exporter" allows inbound TCP to exporter-windows.exe \(domain and private networks\)/);
    assert.match(r.out, /stopped sys_exporter/);
    assert.match(r.out, /updated service sys_exporter/);
    assert.ok(readFileSync(join(programs, 'exporter-windows.exe')).equals(readFileSync(join(dir, 'exporter-windows.exe'))));
    assert.equal(readFileSync(join(data, 'sys-exporter.yml'), 'utf8'), `web.listen-address: "127.0.0.1:${port}"\n`);
    assert.ok(await serving(5000));
  });

  it('rotates its log and keeps only the number of files set', async () => {
    assert.equal((await netStop()).code, 0);
    assert.equal(wine('reg', 'add', `${KEY}\\Parameters`, '/v', 'LogFileBytes', '/t', 'REG_DWORD', '/d', '4096', '/f').code, 0);
    assert.equal(wine('reg', 'add', `${KEY}\\Parameters`, '/v', 'LogFiles', '/t', 'REG_DWORD', '/d', '2', '/f').code, 0);
    // Each start and stop writes about 1 KB: ten of them pass 4 KB several times over.
    for (let i = 0; i < 10; i++) {
      const start = host('start');
      assert.equal(start.code, 0, `start ${i}: ${start.out}`);
      const stop = host('stop');
      assert.equal(stop.code, 0, `stop ${i}: ${stop.out}`);
    }
    const files = readdirSync(join(data, 'logs')).sort();
    assert.deepEqual(files, ['sys-exporter.log', 'sys-exporter.log.1', 'sys-exporter.log.2']);
    for (const f of files) assert.ok(statSync(join(data, 'logs', f)).size <= 4096 + 2048, f);
    wine('reg', 'delete', `${KEY}\\Parameters`, '/f');
  });

  it('loses no line and no rotated file while a reader holds the log without FILE_SHARE_DELETE', async () => {
    // 1.0 ignored the failed renames: every write became a rotation that deleted .1 to .3.
    await netStop();
    rmSync(join(data, 'logs'), { recursive: true, force: true });
    mkdirSync(join(data, 'logs'));
    writeFileSync(logFile, '');
    assert.equal(wine('reg', 'add', `${KEY}\\Parameters`, '/v', 'LogFileBytes', '/t', 'REG_DWORD', '/d', '4096', '/f').code, 0);
    assert.equal(wine('reg', 'add', `${KEY}\\Parameters`, '/v', 'LogFiles', '/t', 'REG_DWORD', '/d', '20', '/f').code, 0);
    const holder = attacker('log-holder', '120', 'C:\\ProgramData\\sys-exporter\\logs\\sys-exporter.log');
    try {
      await sleep(1500);
      const pids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const start = host('start');
        assert.equal(start.code, 0, `start ${i}: ${start.out}`);
        assert.equal(host('stop').code, 0);
        pids.push(/started exporter-windows\.exe \(pid (\d+)\)/g.exec(logText().split('\n').filter((l) => /started exporter-windows/.test(l)).pop() ?? '')?.[1] ?? '');
      }
      const text = logText();
      for (const pid of pids) assert.match(text, new RegExp(`started exporter-windows\\.exe \\(pid ${pid}\\)`), `start of pid ${pid} is in the log`);
      assert.equal((text.match(/msg="service stopped"/g) ?? []).length, 8, 'every stop line is in the log');
      const files = readdirSync(join(data, 'logs')).sort();
      assert.ok(files.length >= 2, `rotated: ${files.join(', ')}`);
      // What was rotated is numbered without a gap: nothing was deleted.
      assert.deepEqual(files, ['sys-exporter.log', ...Array.from({ length: files.length - 1 }, (_, i) => `sys-exporter.log.${i + 1}`)].sort());
    } finally {
      holder.kill();
      await ended(holder);
      wine('reg', 'delete', `${KEY}\\Parameters`, '/f');
    }
  });

  it('opens its log again when it could not at start (1.0 logged nothing for that whole run)', async () => {
    await netStop();
    const holder = attacker('log-holder', '4', 'C:\\ProgramData\\sys-exporter\\logs\\sys-exporter.log', 'exclusive');
    try {
      await sleep(1500);
      const r = host('start');
      assert.equal(r.code, 0, r.out);
      await ended(holder);
      const before = logText().length;
      assert.equal(host('stop').code, 0);
      assert.match(logText().slice(before), /msg="stopping exporter-windows\.exe"/);
    } finally {
      holder.kill();
    }
  });

  it('refuses a data folder that is a junction or symbolic link, naming it', async () => {
    await netStop();
    const moved = `${data}.real`;
    rmSync(moved, { recursive: true, force: true });
    execFileSync('mv', [data, moved]);
    symlinkSync(moved, data);
    try {
      const r = host('install');
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /the data folder C:\\ProgramData\\sys-exporter is a junction or symbolic link: remove it/);
    } finally {
      rmSync(data);
      execFileSync('mv', [moved, data]);
    }
    assert.equal(host('start').code, 0);
  });

  it('takes over an NSSM-based install of sys_exporter (version 1.0), keeping nothing of NSSM', async () => {
    await netStop();
    wine('sc', 'delete', 'sys_exporter');
    assert.equal(wine('sc', 'create', 'sys_exporter', 'binPath=', 'C:\\old folder\\nssm.exe').code, 0);
    assert.equal(wine('reg', 'add', `${KEY}\\Parameters`, '/v', 'Application', '/d', 'C:\\old folder\\exporter-windows.exe', '/f').code, 0);
    const r = bat('install-service.bat');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /moved service sys_exporter from NSSM/);
    assert.equal(regValue('ImagePath'), '"C:\\Program Files\\sys-exporter\\sys-exporter-service.exe"');
    assert.equal(regValue('Application', `${KEY}\\Parameters`), undefined, 'NSSM parameters removed');
    assert.ok(await serving(5000));
  });

  it('uninstalls cleanly and safely twice; settings and logs stay unless /purge', () => {
    const r = bat('uninstall-service.bat');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /removed service sys_exporter/);
    assert.notEqual(wine('sc', 'query', 'sys_exporter').code, 0, 'the service is gone');
    assert.ok(!existsSync(programs), 'programs removed');
    assert.ok(existsSync(join(data, 'sys-exporter.yml')) && existsSync(logFile), 'settings and logs kept');
    const again = bat('uninstall-service.bat', '/purge');
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /not installed/);
    assert.ok(!existsSync(data), '/purge removes settings and logs');
    const bad = bat('install-service.bat', '/nonsense');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /unknown argument \/nonsense: the only one is \/firewall/);
  });
});

describe('operator kit', () => {
  const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', cwd: join(PACKAGING, 'prometheus') });

  it('the example Prometheus config and alert rules pass promtool check', () => {
    const cfg = promtool('check', 'config', 'prometheus.yml');
    assert.equal(cfg.status, 0, cfg.stdout + cfg.stderr);
    const rules = promtool('check', 'rules', 'sys-exporter.rules.yml');
    assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  });

  it('the alert rules pass their unit tests (promtool test rules)', () => {
    const r = promtool('test', 'rules', 'sys-exporter.rules.test.yml');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('the rules cover the exporter down, disk full and its prediction, memory, collectors, dead mounts', () => {
    const text = readFileSync(join(PACKAGING, 'prometheus', 'sys-exporter.rules.yml'), 'utf8');
    for (const a of ['SysExporterDown', 'SysDiskAlmostFull', 'SysDiskWillFillIn24h', 'SysMemoryPressure', 'SysCollectorFailing', 'SysDeadMount']) {
      assert.match(text, new RegExp(`alert: ${a}$`, 'm'));
    }
    assert.match(text, /predict_linear\(sys_disk_available_bytes/);
  });

  it('the Grafana dashboard is valid JSON whose queries name only metrics the exporter emits', () => {
    const dash = JSON.parse(readFileSync(join(PACKAGING, 'grafana', 'sys-exporter.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ query: unknown }> };
    };
    const known = new Set(CATALOG.map((d) => d.name));
    const exprs = [
      ...dash.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dash.templating.list.map((v) => (typeof v.query === 'object' && v.query ? (v.query as { query: string }).query : '')).filter(Boolean),
    ];
    const used = new Set<string>();
    for (const e of exprs) {
      const bare = e
        .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
        .replace(/\{[^}]*\}/g, '') // label matchers
        .replace(/\[[^\]]*\]/g, '') // ranges
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
        .replace(/label_values\(([^,)]+),[^)]*\)/g, '$1');
      for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        if (/^\s*\(/.test(bare.slice(m.index! + m[0].length))) continue; // a function call
        if (['and', 'or', 'unless', 'bool', 'offset'].includes(m[0])) continue;
        if (/^\d/.test(m[0])) continue;
        assert.ok(known.has(m[0]), `"${m[0]}" in "${e}" is not a metric the exporter emits`);
        used.add(m[0]);
      }
    }
    for (const m of ['sys_memory_used_ratio', 'sys_disk_used_ratio', 'sys_scrape_collector_success', 'sys_scrape_collector_errors_total', 'sys_disk_device_error']) {
      assert.ok(used.has(m), `the dashboard shows ${m}`);
    }
  });
});
