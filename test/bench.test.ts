// The benchmark's quick form: it must run end to end and produce a complete, well-formed table
// and chart. No assertion on timings here: those belong to `npm run bench`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../scripts/lib/steps';

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
    // Every measure issue 24 asks of each route, both routes with a figure and a ratio.
    const perRouteRows = tableRows(perRoute);
    for (const row of perRouteRows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      assert.equal(cells.length, 9, row);
      for (const i of [2, 3, 5]) assert.ok(Number.isFinite(Number(cells[i])), `figure ${i}: ${row}`);
      for (const i of [4, 6]) assert.match(cells[i], /^\d+(\.\d+)?x$/, `ratio ${i}: ${row}`);
      if (cells[7]) assert.match(cells[8], /^(met|MISSED) \/ (met|MISSED)$/, `verdict: ${row}`);
    }
    for (const m of ['RSS idle', 'RSS after', 'anonymous memory', 'CPU seconds per 1,000', 'at 1 scrape/s', 'CPU over those', 'exec to first', 'scrapes/s on scrape', 'scrapes/s in background', 'p99 on scrape', 'p99 in background']) {
      assert.ok(perRouteRows.some((l) => l.includes(m)), `per route: ${m}`);
    }
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
