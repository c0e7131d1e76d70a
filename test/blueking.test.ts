// The BlueKing routes as the platform runs them, on the built archives: what bk-monitor's
// importer keeps of the tgz, BK_CMD_ARGS rendered from config.json's defaults as the importer
// renders them, the files laid out as a host gets them, started by reproductions of the
// plugin templates' start.sh (real bash) and start.bat (real cmd under wine), scraped on
// /metrics, stopped as stop.sh does. The same for the 5.1 zips. See
// ../shared/blueking-plugin-format.md, section C.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTar, readZip, type ArchiveEntry } from '../scripts/lib/archive-read';
import { ROOT } from '../scripts/lib/steps';
import { TGZ, ZIPS } from '../scripts/package';
import { buildPackages, freePort, parseExposition, promtoolCheck, request, sleep, type ParsedSample } from './helpers';
import { WINE, wineEnv, wineSkip } from './wine';

const BK = join(ROOT, 'test', 'bk');
const ID = 'sys_exporter';

interface Param {
  name: string;
  mode: string;
  type: string;
  default: string;
}

/** What the importer keeps (manager/base.py): one dict of info/ files, the last in archive order wins. */
interface Imported {
  readonly info: Map<string, Buffer>;
  readonly configVersion: number;
  readonly infoVersion: number;
  /** The binary of each OS folder: the first path holding <os>/<id>/<id>. */
  readonly binaries: Map<string, ArchiveEntry>;
}

function importTgz(buf: Buffer): Imported {
  const files = readTar(buf).filter((e) => !e.isDir);
  const info = new Map<string, Buffer>();
  for (const e of files) if (/\/info\/[^/]+$/.test(e.name)) info.set(e.name.split('/').pop()!, e.data);
  // _parse_plugin_version_str: the first path ending in VERSION, read as int.int (1.1 if unparsable).
  const v = files.find((e) => e.name.endsWith('VERSION'))!.data.toString().trim().split('.');
  const [configVersion, infoVersion] = v.length >= 2 && /^\d+$/.test(v[0]) && /^\d+$/.test(v[1]) ? [Number(v[0]), Number(v[1])] : [1, 1];
  const binaries = new Map<string, ArchiveEntry>();
  for (const e of files) {
    const [os, id, name] = e.name.split('/');
    if (name === id || name === `${id}.exe`) if (!binaries.has(os)) binaries.set(os, e);
  }
  return { info, configVersion, infoVersion, binaries };
}

/**
 * BK_CMD_ARGS as manager/exporter.py get_deploy_steps_params renders it: each parameter in
 * order, the form's value (the default when the user leaves it), ${host}/${port} substituted;
 * opt_cmd "name value " (a switch: its name alone when "true"), an empty value skipped.
 */
function renderCmdArgs(params: readonly Param[], collector: Record<string, string>, form: Record<string, string> = {}): string {
  let args = '';
  for (const p of params) {
    let v = form[p.name] ?? p.default;
    for (const [k, val] of Object.entries(collector)) v = v.split(`\${${k}}`).join(val);
    if (p.mode === 'opt_cmd') {
      if (p.type === 'switch') {
        if (v === 'true') args += `${p.name} `;
      } else if (v) args += `${p.name} ${v} `;
    } else if (p.mode === 'pos_cmd' && v) args += `${v} `;
  }
  return args;
}

/** 5.1: "--name" parameters render as --name=value, others as "name value"; empty ones are left out. */
function render51Args(params: readonly Param[], form: Record<string, string> = {}): string {
  return params
    .filter((p) => p.mode === 'cmd')
    .map((p) => [p.name, form[p.name] ?? p.default])
    .filter(([, v]) => v !== '')
    .map(([n, v]) => (n.startsWith('--') ? `${n}=${v}` : `${n} ${v}`))
    .join(' ');
}

/** etc/env.yaml as the plugin template (etc/env.yaml.tpl) renders it. */
function envYaml(home: string, log: string, pid: string, cmdArgs: string): string {
  return `GSE_AGENT_HOME: ${home}\nBK_PLUGIN_LOG_PATH: ${log}\nBK_PLUGIN_PID_PATH: ${pid}\n\n\n\nBK_CMD_ARGS: ${cmdArgs}`;
}

const metricNames = (metricsJson: Buffer): Set<string> =>
  new Set((JSON.parse(metricsJson.toString()) as Array<{ fields: Array<{ name: string; monitor_type: string }> }>).flatMap((t) => t.fields.filter((f) => f.monitor_type === 'metric').map((f) => f.name)));
const familiesOf = (text: string): string[] => [...new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))];

/** Scrapes /metrics, the only path the platform scrapes, until it answers (at most `ms`). */
async function scrapeWhenUp(port: number, ms: number, log: () => string): Promise<string> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(250)) {
    try {
      const r = await request(`http://127.0.0.1:${port}/metrics`, {}, 'GET', 5000);
      if (r.status === 200) return r.body.toString();
    } catch {
      // not up yet
    }
  }
  throw new Error(`nothing answered on 127.0.0.1:${port}/metrics within ${ms} ms; log:\n${log()}`);
}

async function portClosed(port: number, ms: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(200)) {
    try {
      await request(`http://127.0.0.1:${port}/metrics`, {}, 'GET', 1000);
    } catch {
      return true;
    }
  }
  return false;
}

const readLog = (p: string) => (): string => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '(no log)';
  }
};

function checkServed(text: string, declared: Set<string>): ParsedSample[] {
  assert.equal(promtoolCheck(text).code, 0);
  for (const f of familiesOf(text)) assert.ok(declared.has(f), `${f} is served but not in the imported metrics.json`);
  return parseExposition(text).samples;
}

let work: string;
let imported: Imported;
let params: Param[];
let declared: Set<string>;

before(() => {
  buildPackages();
  work = mkdtempSync(join(tmpdir(), 'sysexp-bk-'));
  imported = importTgz(readFileSync(TGZ));
  params = JSON.parse(imported.info.get('config.json')!.toString()) as Param[];
  declared = metricNames(imported.info.get('metrics.json')!);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('bk-monitor import', () => {
  it('keeps every metric of both OSes, the description of both, and a config version of 1 or more', () => {
    // What each OS's binary emits must be in the one metrics.json the importer keeps.
    for (const name of ['sys_disk_files', 'sys_disk_files_free', 'process_open_fds', 'process_max_fds', 'process_virtual_memory_bytes', 'sys_swap_total_bytes', 'sys_disk_size_bytes']) {
      assert.ok(declared.has(name), `${name} lost in the import`);
    }
    const desc = imported.info.get('description.md')!.toString();
    assert.match(desc, /Linux/);
    assert.match(desc, /Windows/);
    assert.ok(imported.configVersion >= 1, `config version ${imported.configVersion}: 0 reads as unset`);
  });

  it('offers no parameter that can only break collection, and speaks Chinese first', () => {
    assert.ok(!params.some((p) => p.name === '--web.telemetry-path'), 'the platform always scrapes /metrics');
    for (const p of params) assert.match(p.default, /^[A-Za-z0-9/._:,%+=${}-]*$/, `${p.name}: default ${p.default}`);
    const cjk = /[\u4e00-\u9fff]/;
    for (const p of params) assert.match(String((p as unknown as { description: string }).description), cjk, `${p.name} description`);
    const tables = JSON.parse(imported.info.get('metrics.json')!.toString()) as Array<{ table_desc: string; fields: Array<{ description: string }> }>;
    for (const t of tables) {
      assert.match(t.table_desc, cjk);
      for (const f of t.fields) assert.match(f.description, cjk);
    }
    const desc = imported.info.get('description.md')!.toString();
    assert.ok(cjk.test(desc.slice(0, 200)), 'description.md starts in Chinese');
    assert.ok(desc.indexOf('Exporter of Linux and Windows host metrics') > desc.search(cjk), 'English after Chinese');
  });
});

describe('bk-monitor tgz on a Linux host: start.sh, scrape, stop.sh', () => {
  const layout = (name: string): { dir: string; log: string } => {
    const dir = join(work, name, 'plugins', ID);
    mkdirSync(join(dir, 'etc'), { recursive: true });
    const bin = imported.binaries.get('external_plugins_linux_x86_64')!;
    writeFileSync(join(dir, ID), bin.data, { mode: 0o755 });
    for (const s of ['start.sh', 'stop.sh']) copyFileSync(join(BK, s), join(dir, s));
    return { dir, log: join(work, name, 'logs') };
  };
  const run = (dir: string, script: string): { code: number | null; out: string } => {
    const r = spawnSync('bash', [script, ID], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  for (const [what, form] of [
    ['with the default parameters', {}],
    ['with mount points, filesystem types and the memory collector turned off from the form', { '--collector.disk.skip-mount-points': '/boot,/no%20such', '--collector.disk.skip-fs-types': 'tmpfs,ext4', '--no-collector.memory': 'true' }],
  ] as const) {
    it(what, async () => {
      const port = await freePort();
      const { dir, log } = layout(`linux-${Object.keys(form).length}`);
      const cmdArgs = renderCmdArgs(params, { host: '127.0.0.1', port: String(port) }, form);
      writeFileSync(join(dir, 'etc', 'env.yaml'), envYaml(join(work, 'gse'), log, join(work, 'run', `${ID}-${port}.pid`), cmdArgs));
      const started = run(dir, 'start.sh');
      assert.equal(started.code, 0, `start.sh: ${started.out}`);
      assert.match(started.out, /process started successfully/);
      try {
        const samples = checkServed(await scrapeWhenUp(port, 10_000, readLog(join(log, `${ID}.log`))), declared);
        if ('--no-collector.memory' in form) {
          assert.ok(!samples.some((s) => s.name.startsWith('sys_memory_')), 'memory collector off');
          assert.ok(!samples.some((s) => s.name === 'sys_disk_size_bytes' && ['tmpfs', 'ext4'].includes(s.labels.fstype)), 'tmpfs and ext4 skipped');
        } else {
          assert.ok(samples.some((s) => s.name === 'sys_memory_total_bytes' && s.value > 0));
          assert.ok(samples.some((s) => s.name === 'sys_disk_size_bytes' && s.labels.mountpoint === '/' && s.value > 0));
        }
      } finally {
        const stopped = run(dir, 'stop.sh');
        assert.equal(stopped.code, 0, `stop.sh found and killed it: ${stopped.out}`);
      }
      assert.ok(await portClosed(port, 3000), 'nothing serves after stop.sh');
    });
  }
});

/** Runs a batch file under wine's cmd with files for stdio (wine's Node gets EBADF on pipes). */
function wineCmd(bat: string, args: string[], env: NodeJS.ProcessEnv, out: string): Promise<number | null> {
  const fd = openSync(out, 'w');
  const p = spawn(WINE, ['cmd', '/c', bat, ...args], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolve) => p.on('exit', resolve));
}
const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

describe('bk-monitor tgz on a Windows host under wine: start.bat\'s start line, scrape, taskkill', { skip: wineSkip }, () => {
  for (const [what, form] of [
    ['with the default parameters', {}],
    ['with the C: volume and the memory collector turned off from the form', { '--collector.disk.skip-mount-points': 'C:', '--no-collector.memory': 'true' }],
  ] as const) {
    it(what, async () => {
      const env = wineEnv();
      const port = await freePort();
      const dir = join(work, `win-${Object.keys(form).length}`, 'plugins', ID);
      mkdirSync(join(dir, 'etc'), { recursive: true });
      writeFileSync(join(dir, `${ID}.exe`), imported.binaries.get('external_plugins_windows_x86_64')!.data);
      copyFileSync(join(BK, 'bk-start.bat'), join(dir, 'bk-start.bat'));
      const logDir = join(work, `win-${Object.keys(form).length}`, 'logs');
      const cmdArgs = renderCmdArgs(params, { host: '127.0.0.1', port: String(port) }, form);
      writeFileSync(join(dir, 'etc', 'env.yaml'), envYaml(winPath(join(work, 'gse')), winPath(logDir), winPath(join(work, 'run', `${ID}.pid`)), cmdArgs));
      const code = await wineCmd(winPath(join(dir, 'bk-start.bat')), [ID], env, join(work, 'cmd.out'));
      assert.equal(code, 0, readFileSync(join(work, 'cmd.out'), 'utf8'));
      try {
        const text = await scrapeWhenUp(port, 60_000, () => `${readFileSync(join(work, 'cmd.out'), 'utf8')}\n${readLog(join(logDir, `${ID}.log`))()}`);
        const samples = checkServed(text, declared);
        const c = samples.some((s) => s.name === 'sys_disk_size_bytes' && s.labels.mountpoint === 'C:');
        if ('--no-collector.memory' in form) {
          assert.ok(!samples.some((s) => s.name.startsWith('sys_memory_')), 'memory collector off');
          assert.ok(!c, 'C: skipped');
        } else {
          assert.ok(samples.some((s) => s.name === 'sys_memory_total_bytes' && s.value > 0));
        }
      } finally {
        // stop.bat: taskkill /F on the exporter's PID.
        spawnSync(WINE, ['taskkill', '/F', '/IM', `${ID}.exe`], { env, stdio: 'ignore', timeout: 30_000 });
      }
      assert.ok(await portClosed(port, 10_000), 'nothing serves after taskkill /F');
    });
  }
});

describe('BlueKing 5.1 zips: the agent\'s start line, scrape, stop', () => {
  const schema = (os: 'linux' | 'windows'): { entries: ArchiveEntry[]; params: Param[]; declared: Set<string> } => {
    const entries = readZip(readFileSync(ZIPS[os])).filter((e) => !e.isDir);
    const get = (n: string) => entries.find((e) => e.name.split('/').pop() === n)!;
    return { entries, params: JSON.parse(get('config_schema.json').data.toString()) as Param[], declared: metricNames(get('metrics.json').data) };
  };

  it('Linux: ./exporter-linux $ARGS > log 2>&1 &, then kill -9', async () => {
    const z = schema('linux');
    const dir = join(work, 'z51-linux');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'exporter-linux'), z.entries.find((e) => e.name.endsWith('exporter-linux'))!.data);
    chmodSync(join(dir, 'exporter-linux'), 0o755);
    const port = await freePort();
    const args = render51Args(z.params, { '--web.listen-address': `127.0.0.1:${port}` });
    const sh = spawn('bash', ['-c', 'ARGS=$1; cd "$2" || exit 1; ./exporter-linux $ARGS > exporter.log 2>&1 & echo $!', 'bk51', args, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((r) => sh.stdout!.on('data', (c: Buffer) => r(c.toString()))));
    try {
      await sleep(2000);
      assert.ok(spawnSync('kill', ['-0', String(pid)]).status === 0, `exited too quickly: ${readLog(join(dir, 'exporter.log'))()}`);
      const samples = checkServed(await scrapeWhenUp(port, 10_000, readLog(join(dir, 'exporter.log'))), z.declared);
      assert.ok(samples.some((s) => s.name === 'sys_memory_total_bytes' && s.value > 0));
    } finally {
      spawnSync('kill', ['-9', String(pid)]);
    }
    assert.ok(await portClosed(port, 3000));
  });

  it('Windows under wine: start /B exporter-windows.exe %ARGS%, then taskkill /F', { skip: wineSkip }, async () => {
    const z = schema('windows');
    const env = wineEnv();
    const dir = join(work, 'z51-win');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'exporter-windows.exe'), z.entries.find((e) => e.name.endsWith('exporter-windows.exe'))!.data);
    // The agent's line, with ARGS in the environment so that cmd expands it as it would.
    writeFileSync(join(dir, 'bk51-start.bat'), '@echo off\r\nstart /B %~dp0exporter-windows.exe %ARGS% >%~dp0exporter.log 2>&1\r\n');
    const port = await freePort();
    const args = render51Args(z.params, { '--web.listen-address': `127.0.0.1:${port}` });
    const code = await wineCmd(winPath(join(dir, 'bk51-start.bat')), [], { ...env, ARGS: args }, join(work, 'cmd51.out'));
    assert.equal(code, 0, readFileSync(join(work, 'cmd51.out'), 'utf8'));
    try {
      const samples = checkServed(await scrapeWhenUp(port, 60_000, readLog(join(dir, 'exporter.log'))), z.declared);
      assert.ok(samples.some((s) => s.name === 'sys_memory_total_bytes' && s.value > 0));
    } finally {
      spawnSync(WINE, ['taskkill', '/F', '/IM', 'exporter-windows.exe'], { env, stdio: 'ignore', timeout: 30_000 });
    }
    assert.ok(await portClosed(port, 10_000));
  });
});
