// Adding a collector is one module and one registry line: a throwaway collector, built here the
// way src/collectors/<name>/ builds one, gets its switch and flags on the command line and in the
// config file, its families in the catalog, the exposition, the BlueKing descriptors and the
// README tables, and runs under the gatherer with its health series, with no other file touched.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildCollectors } from '../../src/app';
import { flagsOf, parseArgs } from '../../src/cli';
import type { CollectorModule } from '../../src/collectors/module';
import { COLLECTORS } from '../../src/collectors/registry';
import { createLogger } from '../../src/log';
import { catalogOf } from '../../src/metrics/catalog';
import { def } from '../../src/metrics/def';
import { render } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { Gatherer } from '../../src/gather';
import { configJson, metricsJson } from '../../scripts/descriptors';
import { flagTable, metricTable } from '../../scripts/readme';
import { parseExposition, promtoolCheck, value } from '../helpers';

const quiet = createLogger('error', 'logfmt', () => undefined);
const UPTIME_SECONDS = def('uptime', 'gauge', 'sys_uptime_seconds', 'seconds', ['Uptime',
  'Time since the host booted, in seconds.', '运行时长', '主机自启动以来的秒数。']);

/** The throwaway collector: reads <procfs>/<--collector.uptime.file>. Off by default. */
const UPTIME: CollectorModule = {
  name: 'uptime',
  defaultEnabled: false,
  noun: { en: 'uptime', zh: '运行时长' },
  title: { en: 'Uptime', zh: '运行时长' },
  flags: [{ name: 'collector.uptime.file', arg: '<name>', defaultText: 'uptime', help: 'File below --path.procfs to read.' }],
  families: [UPTIME_SECONDS],
  create: (env) => ({
    name: 'uptime',
    collect: async (_ctx, out) => {
      const text = readFileSync(join(env.procfs, env.flag<string>('collector.uptime.file')), 'utf8');
      out.add(UPTIME_SECONDS, Number(text.split(' ')[0]));
    },
  }),
};
const MODULES = [...COLLECTORS, UPTIME];

const procfs = mkdtempSync(join(tmpdir(), 'sysexp-reg-'));
writeFileSync(join(procfs, 'uptime'), '12345.67 54321.00\n');
writeFileSync(join(procfs, 'uptime2'), '42.5 1.0\n');
after(() => rmSync(procfs, { recursive: true, force: true }));

describe('a collector added as one module', () => {
  it('gets --collector.<name>, --no-collector.<name> and its flags, on the command line and in the config file', () => {
    const off = parseArgs([], 'linux', MODULES);
    assert.ok(off.kind === 'run');
    assert.deepEqual(off.config.collectors, { memory: true, disk: true, uptime: false }, 'off by default, as declared');
    const on = parseArgs(['--collector.uptime', '--collector.uptime.file=uptime2'], 'linux', MODULES);
    assert.ok(on.kind === 'run' && on.config.collectors.uptime && on.config.flags.get('collector.uptime.file') === 'uptime2');
    const conf = join(procfs, 'conf.yml');
    writeFileSync(conf, 'collector.uptime: true\ncollector.uptime.file: uptime2\n');
    const fromFile = parseArgs([`--config.file=${conf}`], 'linux', MODULES);
    assert.ok(fromFile.kind === 'run' && fromFile.config.collectors.uptime && fromFile.config.flags.get('collector.uptime.file') === 'uptime2');
    const help = parseArgs(['--help'], 'linux', MODULES);
    assert.ok(help.kind === 'exit');
    assert.match(help.output, /--collector\.uptime \[bool\]\s+Enable the uptime collector \(default: disabled;/);
    assert.match(help.output, /--no-collector\.uptime/);
    assert.match(help.output, /--collector\.uptime\.file <name>\s+File below --path\.procfs to read\. \(default: "uptime"\)/);
    // Without the module, its flags do not exist.
    assert.throws(() => parseArgs(['--collector.uptime'], 'linux'), /unknown option '--collector\.uptime'/);
    assert.throws(() => flagsOf([{ ...UPTIME, flags: [{ name: 'uptime.file', help: '' }] }]), /must be named collector\.uptime\.<flag>/);
  });

  it('its families join the catalog after the other collectors\', with its table and label texts; a family of another source is refused', () => {
    const cat = catalogOf(MODULES);
    const names = cat.families.map((d) => d.name);
    assert.ok(names.indexOf('sys_uptime_seconds') > names.indexOf('sys_disk_hung_statfs_calls'));
    assert.ok(names.indexOf('sys_uptime_seconds') < names.indexOf('sys_scrape_collector_success'));
    assert.deepEqual(cat.sourceText.uptime, { en: 'Uptime', zh: '运行时长' });
    const stray = def('disk', 'gauge', 'sys_stray', '', ['a', 'b', 'c', 'd']);
    assert.throws(() => catalogOf([...COLLECTORS, { ...UPTIME, families: [stray] }]), /sys_stray is declared for disk, not for the uptime collector/);
    const unlabelled = def('uptime', 'gauge', 'sys_x', '', ['a', 'b', 'c', 'd'], ['nic']);
    assert.throws(() => catalogOf([...COLLECTORS, { ...UPTIME, families: [unlabelled] }]), /label nic of sys_x has no text/);
  });

  it('appears in the BlueKing descriptors and the README tables', () => {
    const table = metricsJson('bkmonitor', 'zh', MODULES).find((t) => t.table_name === 'uptime');
    assert.ok(table);
    assert.equal(table.table_desc, '运行时长');
    assert.deepEqual(table.fields.map((f) => f.name), ['sys_uptime_seconds']);
    const form = configJson('en', MODULES).map((p) => p.name);
    assert.ok(form.includes('--collector.uptime'), 'an off-by-default collector is offered as the switch that turns it on');
    assert.ok(form.includes('--no-collector.disk'));
    assert.match(metricTable(catalogOf(MODULES).families), /\| `sys_uptime_seconds` \| gauge \| seconds \|/);
    assert.match(flagTable(flagsOf(MODULES)), /\| `--collector\.uptime` \/ `--no-collector\.uptime` \|/);
  });

  it('runs under the gatherer with its health series, and renders in the exposition', async () => {
    const parsed = parseArgs(['--collector.disable-defaults', '--collector.uptime', `--path.procfs=${procfs}`], 'linux', MODULES);
    assert.ok(parsed.kind === 'run');
    const collectors = buildCollectors(parsed.config, quiet, 'linux', MODULES);
    assert.deepEqual(collectors.map((c) => c.name), ['uptime']);
    const g = new Gatherer(collectors, [], new SampleSet(), quiet, { timeoutMs: 1000, intervalMs: 0 });
    const text = render(await g.gather(1000), 'text');
    const s = parseExposition(text).samples;
    assert.equal(value(s, 'sys_uptime_seconds'), 12345.67);
    assert.equal(value(s, 'sys_scrape_collector_success', { collector: 'uptime' }), 1);
    assert.match(text, /# HELP sys_uptime_seconds Time since the host booted, in seconds\.\n# TYPE sys_uptime_seconds gauge\n/);
    assert.equal(promtoolCheck(text).code, 0);
    g.stop();
  });
});
