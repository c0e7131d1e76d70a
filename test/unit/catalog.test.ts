import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/steps';
import { DEFAULT_PORT } from '../../src/cli';
import { describe, it } from 'node:test';
import { ProcessMetrics } from '../../src/collectors/process';
import { CATALOG, familiesFor, LABEL_TEXT, LANGS, SOURCE_TEXT } from '../../src/metrics/catalog';
import { README, regenerate } from '../../scripts/readme';
import { render } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { parseExposition, value } from '../helpers';

describe('metric catalog', () => {
  it('has unique, well-formed names with base-unit suffixes', () => {
    const names = CATALOG.map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    for (const d of CATALOG) {
      assert.match(d.name, /^[a-z_][a-z0-9_]*$/, d.name);
      assert.equal(d.name.endsWith('_total'), d.type === 'counter', `${d.name}: _total exactly on counters`);
      if (d.unit) assert.ok(d.name.replace(/_total$/, '').endsWith(`_${d.unit}`), `${d.name} ends in its unit ${d.unit}`);
      for (const lang of LANGS) {
        const t = d.text[lang];
        assert.ok(t.short.length > 0 && t.short.length <= 15, `${d.name}: ${lang} short description "${t.short}" fits BlueKing's 15 characters`);
        assert.ok(t.help.length > 5, `${d.name}: ${lang} description`);
      }
      assert.match(d.text.zh.short + d.text.zh.help, /[\u4e00-\u9fff]/, `${d.name}: zh text is Chinese`);
      assert.ok(d.help.length > 10, `${d.name} has a real HELP text`);
      for (const l of d.labels) {
        assert.match(l, /^[a-z_][a-z0-9_]*$/);
        for (const lang of LANGS) assert.ok(LABEL_TEXT[l]?.[lang] && LABEL_TEXT[l][lang].length <= 15, `label ${l}: ${lang} description`);
      }
    }
  });

  it('names every table in both languages within 15 characters', () => {
    for (const d of CATALOG) for (const lang of LANGS) assert.ok(SOURCE_TEXT[d.source][lang].length <= 15);
  });

  it('declares exactly the process families the exporter emits about itself, with figures the kernel agrees with', async () => {
    const out = new SampleSet();
    await new ProcessMetrics().collect({ deadline: Date.now() + 1000, signal: new AbortController().signal }, out);
    const { samples } = parseExposition(render([out], 'text'));
    const declared = familiesFor(process.platform).filter((d) => d.source === 'process').map((d) => d.name).sort();
    assert.deepEqual([...new Set(samples.map((x) => x.name))].sort(), declared);
    assert.deepEqual(ProcessMetrics.families().map((d) => d.name).sort(), declared);
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    assert.ok(Math.abs(value(samples, 'process_resident_memory_bytes')! - rss) < 16e6, 'RSS as /proc/self/status has it');
    assert.equal(value(samples, 'process_open_fds'), readdirSync('/proc/self/fd').length - 1);
    assert.equal(value(samples, 'process_max_fds'), Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()));
    assert.ok(Math.abs(value(samples, 'process_start_time_seconds')! - (Date.now() / 1000 - process.uptime())) < 2);
    assert.ok(value(samples, 'process_cpu_seconds_total')! > 0);
  });

  it('is what the README documents (npm run docs regenerates it)', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(readme, regenerate(readme), 'README.md tables are stale: run `npm run docs`');
  });
});

describe('values written once', () => {
  it('no packaging file repeats the default port: {{PORT}} is filled in from src/cli.ts when packaging', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    const shipped = files(join(ROOT, 'packaging')).filter((f) => !f.includes(`${join('packaging', 'prometheus')}`) && /\.(sh|bat|yml|service|json|c)$/.test(f));
    assert.ok(shipped.some((f) => f.endsWith('install.sh')));
    for (const f of shipped) assert.doesNotMatch(readFileSync(f, 'utf8'), new RegExp(`\\b${DEFAULT_PORT}\\b`), f);
    // The Prometheus examples are for people to read: checked against the default instead.
    assert.match(readFileSync(join(ROOT, 'packaging', 'prometheus', 'prometheus.yml'), 'utf8'), new RegExp(`targets: \\['localhost:${DEFAULT_PORT}'\\]`));
  });
});
