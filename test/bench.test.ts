// The benchmark's quick form: it must run end to end and produce a complete, well-formed table
// and chart. No assertion on timings here: those belong to `npm run bench`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../scripts/lib/steps';

/** Half the last printed digit of a figure printed as scripts/bench-report.ts's fmt prints it. */
const half = (v: number): number => (Math.abs(v) >= 100 ? 0.5 : Math.abs(v) >= 10 ? 0.05 : 0.005);

/** A file's text, or '' for a process that ended meanwhile. */
const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'sysexp-bench-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('writes a complete results table and a PNG chart, and cleans up its mounts and processes', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'build', 'scripts', 'bench.js'), '--quick', '--out', out], { encoding: 'utf8', timeout: 10 * 60_000 });
    // The bench's own error first: a long stdout would push it out of a truncated CI log.
    assert.equal(r.status, 0, `${r.signal ? `killed by ${r.signal} at the test's 10-minute limit\n` : ''}${r.stderr}\n--- stdout, last 3,000 characters ---\n${r.stdout.slice(-3000)}`);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    assert.equal(r.stdout.includes(md), true, 'the table is printed');
    const [tables, perRoute] = md.split('\n## Each shipped route beside node_exporter');
    assert.ok(perRoute, 'the per-route table (each shipped route beside node_exporter) is there');
    const [main, route] = tables.split('\n## Route');
    assert.ok(route, 'the route table (Bun vs the Node SEA) is there');
    const tableRows = (text: string) => text.split('\n').filter((l) => l.startsWith('| ') && !/^\| (section|measure) \|/.test(l) && !l.startsWith('| ---'));
    const rows = tableRows(main);
    const sections = new Set(rows.map((l) => l.split('|')[1].trim()));
    for (const s of ['throughput', 'defaults', 'latency', 'cpu', 'memory', 'startup', 'scaling', 'size']) assert.ok(sections.has(s), `section ${s}`);
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      assert.equal(cells.length, 7, row);
      assert.ok(Number.isFinite(Number(cells[2])), `ours is a number: ${row}`); // growth may be negative
      assert.ok(Number.isFinite(Number(cells[3])), `theirs is a number: ${row}`);
      assert.match(cells[5], /^(-?\d+(\.\d+)?x|-)$/, `ratio: ${row}`);
      if (cells[6]) assert.match(cells[6], /^(met|MISSED) \((>=|<=) [\d.]+\)$/, `target: ${row}`);
    }
    for (const c of [1, 4, 16]) assert.ok(rows.some((l) => l.includes(`on scrape, ${c} conn`)), `${c} connections`);
    assert.ok(rows.some((l) => l.includes('HTTP server doing nothing else')), 'the reference server row');
    const routeRows = tableRows(route);
    assert.match(routeRows[0], /^\| host loader needs \(readelf\) \| GLIBC_2\.17, no GLIBCXX \| GLIBC_2\.28, GLIBCXX_3\.4\.21 \|/);
    for (const row of routeRows.slice(1)) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      assert.equal(cells.length, 6, row);
      assert.ok(Number.isFinite(Number(cells[1])) && Number.isFinite(Number(cells[2])), `figures: ${row}`);
      assert.match(cells[5], /^(met|MISSED) \((>=|<=) [\d.]+\)$/, `budget: ${row}`);
    }
    for (const m of ['RSS after', 'CPU seconds', 'throughput background', 'exec to first', 'executable size']) assert.ok(routeRows.some((l) => l.includes(m)), `route: ${m}`);
    // Every measure issue 24 asks of each route: each row once, with both routes' figures and
    // ratios, and a verdict for both wherever the issue sets a target.
    assert.ok(perRoute.includes('\n| measure | unit | node_exporter | Bun (Linux) | ratio | Node SEA (Windows) | ratio | target | verdict (Bun / Node SEA) |\n'), 'the per-route header, columns in this order');
    const perRouteRows = tableRows(perRoute);
    const expected: Array<[RegExp, string]> = [
      [/^RSS idle, 3 s after the first scrape/, ''],
      [/^RSS after [\d,]+ scrapes at 4 connections/, '<= 2'],
      [/^anonymous memory after those [\d,]+ scrapes/, ''],
      [/^CPU seconds per 1,000 of those/, '<= 0.5'],
      [/^RSS after \d+ s at 1 scrape\/s/, '<= 2'],
      [/^anonymous memory after those \d+ s at 1 scrape\/s/, ''],
      [/^CPU over those \d+ s at 1 scrape\/s, idle included/, '<= 1'],
      [/^exec to first successful scrape/, '<= 2'],
      [/^scrapes\/s on scrape, 4 connections/, '>= 3'],
      [/^scrapes\/s in background/, '>= 8'],
      [/^p99 on scrape, 4 connections/, '<= 1'],
      [/^p99 in background, 4 connections/, '<= 1'],
    ];
    assert.equal(perRouteRows.length, expected.length, `per-route rows:\n${perRouteRows.join('\n')}`);
    perRouteRows.forEach((row, k) => {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      assert.equal(cells.length, 9, row);
      assert.match(cells[0], expected[k][0], `row ${k + 1}`);
      for (const i of [2, 3, 5]) assert.ok(Number.isFinite(Number(cells[i])), `figure ${i}: ${row}`);
      for (const [i, of] of [[4, 3], [6, 5]]) {
        if (Number(cells[2]) === 0) continue; // nothing to divide by: the ratio is '-'
        assert.match(cells[i], /^\d+(\.\d+)?x$/, `ratio ${i}: ${row}`);
        // The ratio is the route's figure over node_exporter's, within what printing rounded off.
        const [a, b, r] = [Number(cells[of]), Number(cells[2]), parseFloat(cells[i])];
        const lo = (a - half(a)) / (b + half(b)) - half(r);
        const hi = (a + half(a)) / (b - half(b)) + half(r);
        assert.ok(r >= lo && r <= hi, `ratio ${i} is column ${of} / node_exporter's: ${row}`);
      }
      assert.equal(cells[7], expected[k][1], `target: ${row}`);
      if (expected[k][1]) assert.match(cells[8], /^(met|MISSED) \/ (met|MISSED)$/, `verdict: ${row}`);
    });
    const png = readFileSync(join(out, 'results.png'));
    assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG');
    // The scaling section's mounts live in namespaces of their own: look at every process's view.
    const holders = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && /sysexp-bench/.test(readOr(`/proc/${p}/mountinfo`)));
    assert.deepEqual(holders, [], 'no process left holding a mount namespace with the bench\'s mounts');
    const left = spawnSync('pgrep', ['-f', 'prometheus-node-exporter --collector.disable-defaults']);
    assert.notEqual(left.status, 0, 'no node_exporter left running');
    assert.notEqual(spawnSync('pgrep', ['-f', 'http-reference --web']).status, 0, 'no reference server left running');
  });
});
