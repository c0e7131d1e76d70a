// Running as a service (systemd unit, install.sh, the Windows service under wine) and the
// operator kit (Prometheus rules, Grafana dashboard).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARTIFACTS } from '../scripts/dist';
import { readZip } from '../scripts/lib/archive-read';
import { ROOT } from '../scripts/lib/steps';
import { ARM64_TGZ, ZIPS } from '../scripts/package';
import { CATALOG } from '../src/metrics/catalog';
import { buildPackages, freePort, request, sleep } from './helpers';
import { WINE, wineEnv, wineSkip } from './wine';

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
  it('install-service.bat, net start, scrape, net stop, uninstall-service.bat', async (t) => {
    const env = wineEnv();
    const dir = join(work, 'win pkg'); // a space in the path, as in "C:\Program Files"
    extract(ZIPS.windows, dir);
    for (const f of ['nssm.exe', 'install-service.bat', 'uninstall-service.bat', 'exporter-windows.exe']) assert.ok(existsSync(join(dir, f)), f);
    assert.match(readFileSync(join(dir, 'install-service.bat'), 'utf8'), /\r\n/, 'batch files have CRLF line ends');
    const port = await freePort();
    writeFileSync(join(dir, 'sys-exporter.yml'), `web.listen-address: "127.0.0.1:${port}"\n`);
    const winPath = (p: string) => `Z:${p.replace(/\//g, '\\')}`;
    const cmd = (...args: string[]) => {
      const t0 = Date.now();
      const r = spawnSync(WINE, args, { env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      t.diagnostic(`wine ${args.join(' ')}: exit ${r.status} after ${Date.now() - t0} ms`);
      return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\0/g, '') };
    };
    // Every wine "boot" (first process after the wineserver ends) starts automatic services, as
    // Windows does at boot. Keep one wineserver up for the whole test and remove any leftover
    // service first, so that `net start` below is what starts ours.
    spawnSync('wineserver', ['-k'], { env });
    spawnSync('wineserver', ['-p'], { env, stdio: 'ignore' }); // daemonizes; no pipes to wait on
    // Boot without pipes: the daemons it starts would hold them open and stall the reader.
    spawnSync(WINE, ['wineboot'], { env, stdio: 'ignore', timeout: 120_000 });
    cmd('net', 'stop', 'sys_exporter');
    cmd('sc', 'delete', 'sys_exporter');
    try {
      const inst = cmd('cmd', '/c', winPath(join(dir, 'install-service.bat')));
      assert.equal(inst.code, 0, inst.out);
      assert.match(inst.out, /installed service sys_exporter/);
      const again = cmd('cmd', '/c', winPath(join(dir, 'install-service.bat')));
      assert.equal(again.code, 0, again.out);
      assert.match(again.out, /already exists/);
      assert.equal(readFileSync(join(dir, 'sys-exporter.yml'), 'utf8'), `web.listen-address: "127.0.0.1:${port}"\n`, 'settings kept');

      const start = cmd('net', 'start', 'sys_exporter');
      assert.equal(start.code, 0, start.out);
      let text = '';
      for (let i = 0; i < 60 && !/^sys_disk_size_bytes\{.*mountpoint="C:"\}/m.test(text); i++) {
        await sleep(500);
        text = await request(`http://127.0.0.1:${port}/metrics`, {}, 'GET', 3000).then((r) => r.body.toString(), () => '');
      }
      assert.match(text, /^sys_memory_total_bytes \d+$/m);
      assert.match(text, /^sys_disk_size_bytes\{device="C:",fstype="[^"]*",mountpoint="C:"\} \d+$/m);

      const stop = cmd('net', 'stop', 'sys_exporter');
      assert.equal(stop.code, 0, stop.out);
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = await request(`http://127.0.0.1:${port}/metrics`, {}, 'GET', 1000).then(() => false, () => true);
        if (!refused) await sleep(200);
      }
      assert.ok(refused, 'the exporter stopped with the service');
      assert.match(readFileSync(join(dir, 'sys-exporter.log'), 'utf8'), /msg="sys-exporter started"/, 'stdout/stderr go to the log file');

      const un = cmd('cmd', '/c', winPath(join(dir, 'uninstall-service.bat')));
      assert.equal(un.code, 0, un.out);
      assert.match(un.out, /removed service sys_exporter/);
      assert.notEqual(cmd('sc', 'query', 'sys_exporter').code, 0, 'the service is gone');
      const un2 = cmd('cmd', '/c', winPath(join(dir, 'uninstall-service.bat')));
      assert.equal(un2.code, 0, un2.out);
      assert.match(un2.out, /not installed/);
    } finally {
      cmd('cmd', '/c', winPath(join(dir, 'uninstall-service.bat')));
      spawnSync('wineserver', ['-k'], { env });
    }
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
