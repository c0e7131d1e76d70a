import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FLAGS, parseArgs } from '../../src/cli';
import { LANGS } from '../../src/metrics/catalog';
import { configJson, configSchema51 } from '../../scripts/descriptors';
import { filterMounts } from '../../src/collectors/disk/mounts_linux';
import type { Pattern } from '../../src/flags';
import { parseExposition, request, runExporter, startExporter, value } from '../helpers';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysexp-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Exit 2, one line on stderr, that names `culprit`. */
function assertUsageError(args: string[], culprit: string | RegExp): void {
  const r = runExporter(args);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  if (typeof culprit === 'string') assert.ok(lines[0].includes(culprit), `"${lines[0]}" names ${culprit}`);
  else assert.match(lines[0], culprit);
  assert.equal(r.stdout, '');
}

describe('bad input exits 2 with one line naming the culprit, before binding', () => {
  it('an unknown flag', () => assertUsageError(['--web.listen-adress=:1'], '--web.listen-adress'));
  it('a stray argument', () => assertUsageError(['metrics'], 'too many arguments'));
  it('a bad duration', () => assertUsageError(['--collector.timeout', '5x'], '5x'));
  it('a zero timeout', () => assertUsageError(['--collector.timeout=0'], '--collector.timeout'));
  it('a negative interval', () => assertUsageError(['--collection.interval=-1s'], '--collection.interval'));
  it('an invalid regex', () => assertUsageError(['--collector.disk.mount-points-exclude=^(/'], '--collector.disk.mount-points-exclude'));
  it('a bad listen address', () => assertUsageError(['--web.listen-address=localhost'], '"localhost" is not host:port'));
  it('a port out of range', () => assertUsageError(['--web.listen-address', ':70000'], '70000'));
  it('a bad log level', () => assertUsageError(['--log.level=verbose'], 'verbose'));
  it('a bad telemetry path', () => assertUsageError(['--web.telemetry-path=metrics'], '--web.telemetry-path'));
  it('a missing value', () => assertUsageError(['--web.telemetry-path'], '--web.telemetry-path'));
  it('a missing config file', () => assertUsageError([`--config.file=${join(dir, 'nope.yml')}`], /nope\.yml: ENOENT/));
  it('an invalid YAML config file', () => assertUsageError([`--config.file=${configFile('bad.yml', 'a: [1,\n')}`], /bad\.yml is not valid YAML/));
  it('an unknown config key', () => assertUsageError([`--config.file=${configFile('unk.yml', 'web.listen-adress: ":1"\n')}`], 'unknown key "web.listen-adress"'));
  it('a bad config value', () => assertUsageError([`--config.file=${configFile('val.yml', 'collector.timeout: soon\n')}`], /val\.yml: key "collector\.timeout".*soon/));
  it('a config switch that is not boolean', () => assertUsageError([`--config.file=${configFile('sw.yml', 'collector.disk: "no"\n')}`], 'true or false'));
  it('a skip list item that is not a mount point', () => assertUsageError(['--collector.disk.skip-mount-points=/data,data'], /--collector\.disk\.skip-mount-points.*"data"/));
  it('a malformed %XX in a skip list', () => assertUsageError(['--collector.disk.skip-mount-points=/a%2'], /malformed %XX/));
  it('a filesystem type with a shell character', () => assertUsageError(['--collector.disk.skip-fs-types=nfs;rm'], /--collector\.disk\.skip-fs-types.*nfs;rm/));
  it('a timeout longer than a timer can hold', () => assertUsageError(['--collector.timeout=25d'], /--collector\.timeout.*at most 24d/));
  it('a config file that never ends', () => assertUsageError(['--config.file=/dev/zero'], /\/dev\/zero is a character device, not a regular file/));
  it('a config file that is a FIFO (1.0 blocked in open() for good)', () => {
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    assertUsageError([`--config.file=${fifo}`], /config\.fifo is a FIFO, not a regular file/);
  });
  it('a bad config value where the command line sets the flag too', () =>
    assertUsageError([`--config.file=${configFile('both.yml', 'collector.timeout: soon\n')}`, '--collector.timeout=3s'], /both\.yml: key "collector\.timeout".*soon/));
  it('a regex in JavaScript syntax that RE2 (node_exporter) refuses', () => assertUsageError(['--collector.disk.mount-points-exclude=(?<=a)b'], /--collector\.disk\.mount-points-exclude.*RE2/));
  it('a config file with a tag YAML cannot resolve (!!js/function), in one line', () => assertUsageError([`--config.file=${configFile('tag.yml', 'web.telemetry-path: !!js/function "function () {}"\n')}`], /tag\.yml is not valid YAML: Unresolved tag: tag:yaml\.org,2002:js\/function/));
  it('a config file that is a list', () => assertUsageError([`--config.file=${configFile('list.yml', '- a\n')}`], 'mapping'));
});

describe('Windows habits', () => {
  it('"/?" and "-?" ask for help, as on every Windows program (1.0: "too many arguments")', () => {
    for (const a of ['/?', '-?']) {
      const r = parseArgs([a], 'win32');
      assert.ok(r.kind === 'exit' && r.code === 0 && /--web\.listen-address/.test(r.output), a);
    }
  });

  it('reads a config file in UTF-16 (what PowerShell 5.1\'s ">" writes) or with a UTF-8 mark (Notepad)', () => {
    const text = 'web.telemetry-path: /m\r\ncollector.disk.skip-mount-points: "D:"\r\n';
    const files = {
      'utf16le.yml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      'utf16be.yml': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
      'utf8bom.yml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    };
    for (const [name, data] of Object.entries(files)) {
      const p = join(dir, name);
      writeFileSync(p, data);
      const r = parseArgs([`--config.file=${p}`], 'win32');
      assert.ok(r.kind === 'run', name);
      if (r.kind === 'run') assert.equal(r.config.telemetryPath, '/m', name);
    }
  });
});

describe('exclude patterns mean what they mean to node_exporter (Go RE2 syntax)', () => {
  const exclude = (re: string) => {
    const r = parseArgs([`--collector.disk.mount-points-exclude=${re}`]);
    assert.ok(r.kind === 'run');
    return (s: string) => (r.config.flags.get('collector.disk.mount-points-exclude') as Pattern).test(s);
  };
  it('POSIX classes, \\z, \\Q..\\E and (?i)', () => {
    const digits = exclude('^/data[[:digit:]]+\\z');
    assert.deepEqual([digits('/data12'), digits('/data12\n'), digits('/data:')], [true, false, false]);
    const quoted = exclude('^\\Q/a.b\\E$');
    assert.deepEqual([quoted('/a.b'), quoted('/axb')], [true, false]);
    assert.equal(exclude('(?i)^/DATA')('/data'), true);
  });
});

describe('skip lists (what the BlueKing form sets)', () => {
  it('are described in the form within BlueKing\'s 50 characters, in both languages and both formats', () => {
    assert.ok(FLAGS.filter((f) => f.form).length >= 4);
    for (const lang of LANGS) {
      for (const p of [...configJson(lang), ...configSchema51(lang)]) {
        const d = String(p.description);
        assert.ok(d.length > 0 && d.length <= 50, `${String(p.name)} (${lang}): "${d}" is ${d.length} characters`);
      }
    }
  });

  it('parse comma-separated mount points with %XX escapes and filesystem types', () => {
    const r = parseArgs(['--collector.disk.skip-mount-points', '/mnt/backup/,/data%20x,,D:/mnt,E:', '--collector.disk.skip-fs-types=nfs, cifs']);
    assert.ok(r.kind === 'run');
    assert.deepEqual(r.config.flags.get('collector.disk.skip-mount-points'), ['/mnt/backup', '/data x', 'D:/mnt', 'E:']);
    assert.deepEqual(r.config.flags.get('collector.disk.skip-fs-types'), ['nfs', 'cifs']);
    const none = parseArgs([]);
    assert.ok(none.kind === 'run');
    assert.deepEqual([none.config.flags.get('collector.disk.skip-mount-points'), none.config.flags.get('collector.disk.skip-fs-types')], [[], []]);
  });

  it('leave out a mount point with everything below it, whole components only, and types in any case', () => {
    const m = (mountpoint: string, fstype = 'ext4') => ({ device: 'd', mountpoint, fstype, readonly: false });
    const all = [m('/'), m('/data'), m('/data/a b'), m('/database'), m('/srv', 'NFS4'), m('D:'), m('C:\\mnt\\x', 'NTFS'), m('C:\\mntx', 'NTFS')];
    const kept = filterMounts(all, { mountPointsExclude: /^$/, fsTypesExclude: /^$/, skipMountPoints: ['/data', 'd:', 'C:/mnt'], skipFsTypes: ['nfs4'] });
    assert.deepEqual(kept.map((x) => x.mountpoint), ['/', '/database', 'C:\\mntx']);
  });
});

describe('flags', () => {
  it('--version prints our version, not Node\'s', () => {
    const r = runExporter(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^sys-exporter, version \d+\.\d+\.\d+ \(revision: \S+\)/);
  });

  it('--help lists every flag with its default', () => {
    const r = runExporter(['--help']);
    assert.equal(r.code, 0);
    for (const f of ['--web.listen-address', '--web.telemetry-path', '--web.max-requests', '--no-collector.disk', '--collector.disable-defaults',
      '--collector.disk.fs-types-exclude', '--collection.interval', '--path.rootfs', '--log.format', '--config.file']) {
      assert.ok(r.stdout.includes(f), f);
    }
    assert.match(r.stdout, /default: ":9601"/);
  });

  it('takes --flag value and --flag=value alike', () => {
    const a = parseArgs(['--web.telemetry-path', '/m', '--collector.timeout', '2s']);
    const b = parseArgs(['--web.telemetry-path=/m', '--collector.timeout=2s']);
    assert.ok(a.kind === 'run' && b.kind === 'run');
    assert.equal(a.config.telemetryPath, '/m');
    assert.equal(a.config.timeoutMs, 2000);
    assert.deepEqual(a.config, b.config);
  });

  it('repeats --web.listen-address and defaults to :9601', () => {
    const r = parseArgs(['--web.listen-address=127.0.0.1:1', '--web.listen-address', '[::1]:2']);
    assert.ok(r.kind === 'run');
    assert.deepEqual(r.config.listenAddresses, [{ host: '127.0.0.1', port: 1 }, { host: '::1', port: 2 }]);
    const d = parseArgs([]);
    assert.ok(d.kind === 'run');
    assert.deepEqual(d.config.listenAddresses, [{ host: undefined, port: 9601 }]);
    assert.equal(d.config.maxRequests, 40);
    assert.equal(d.config.timeoutMs, 5000);
    assert.equal(d.config.intervalMs, 0);
  });

  it('switches collectors, with --collector.disable-defaults', () => {
    const pick = (args: string[]) => {
      const r = parseArgs(args);
      assert.ok(r.kind === 'run');
      return r.config.collectors;
    };
    assert.deepEqual(pick([]), { memory: true, disk: true });
    assert.deepEqual(pick(['--no-collector.disk']), { memory: true, disk: false });
    assert.deepEqual(pick(['--collector.disable-defaults']), { memory: false, disk: false });
    assert.deepEqual(pick(['--collector.disable-defaults', '--collector.disk']), { memory: false, disk: true });
    // Explicit values, as BlueKing 5.1 renders parameters (`--name=value`).
    assert.deepEqual(pick(['--collector.disk=false', '--collector.memory=true']), { memory: true, disk: false });
    assert.deepEqual(pick(['--collector.disable-defaults=false']), { memory: true, disk: true });
    assert.throws(() => parseArgs(['--collector.disk=maybe']), /"maybe" is not true or false/);
  });

  it('reads a config file whose keys are flag names; the command line wins', () => {
    const file = configFile('ok.yml', [
      'web.listen-address: ["127.0.0.1:9700", "127.0.0.1:9701"]',
      'web.telemetry-path: /from-file',
      'collector.disk: false',
      'collector.timeout: 3s',
      'web.max-requests: 7',
      'log.format: json',
    ].join('\n'));
    const r = parseArgs([`--config.file=${file}`, '--collector.timeout=1s']);
    assert.ok(r.kind === 'run');
    assert.deepEqual(r.config.listenAddresses.map((a) => a.port), [9700, 9701]);
    assert.equal(r.config.telemetryPath, '/from-file');
    assert.equal(r.config.collectors.disk, false);
    assert.equal(r.config.timeoutMs, 1000, 'command line wins');
    assert.equal(r.config.maxRequests, 7);
    assert.equal(r.config.logFormat, 'json');
  });
});

describe('running', () => {
  it('exits 1 naming the address when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = runExporter([`--web.listen-address=127.0.0.1:${port}`]);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].includes(`listen tcp 127.0.0.1:${port}: address already in use`), lines[0]);
    } finally {
      blocker.close();
    }
  });

  it('serves on a custom path, on IPv4 and IPv6 loopback at once, with only the chosen collector', async (t) => {
    const v6 = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false));
      s.listen(0, '::1', () => s.close(() => resolve(true)));
    });
    const args = ['--web.listen-address=127.0.0.1:0', '--web.telemetry-path=/x/metrics', '--no-collector.disk'];
    if (v6) args.push('--web.listen-address=[::1]:0');
    else t.diagnostic('no IPv6 loopback here: IPv4 only');
    const exp = await startExporter(args);
    try {
      assert.equal((await exp.scrape()).status, 404);
      const r = await exp.scrape({}, '/x/metrics');
      assert.equal(r.status, 200);
      const { samples } = parseExposition(r.body.toString());
      assert.ok(value(samples, 'sys_memory_total_bytes')! > 0);
      assert.equal(samples.filter((s) => s.name.startsWith('sys_disk_')).length, 0);
      assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'disk' }), undefined);
      if (v6) {
        const addr = /addresses=\S*(\[::1\]:\d+)/.exec(exp.stderr())![1];
        assert.equal((await request(`http://${addr}/x/metrics`)).status, 200);
      }
      assert.match(exp.stderr(), /msg="sys-exporter started" version=\S+ revision=\S+ addresses=\S+ .*collectors=memory /);
    } finally {
      assert.equal(await exp.stop(), 0);
    }
  });
});
