// A real Prometheus server (Debian's `prometheus`) on loopback scrapes the exporter.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, request, sleep, startExporter, type Exporter } from './helpers';


interface QueryResult {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe('a real Prometheus scraping the exporter', () => {
  let dir: string;
  let exp: Exporter;
  let prom: ChildProcess;
  let promUrl: string;
  let promLog = '';

  before(async () => {
    if (spawnSync('prometheus', ['--version']).error) throw new Error("prometheus is not installed (Debian package 'prometheus', installed by .ci/run)");
    dir = mkdtempSync(join(tmpdir(), 'sysexp-prom-'));
    exp = await startExporter();
    const target = new URL(exp.base).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: sys\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr!.on('data', (c: Buffer) => (promLog += c.toString()));
  });

  after(async () => {
    prom?.kill('SIGTERM');
    if (prom && prom.exitCode === null) await new Promise((r) => prom.once('exit', r));
    await exp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(q: string): Promise<QueryResult | undefined> {
    try {
      const r = await request(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`, {}, 'GET', 2000);
      return r.status === 200 ? (JSON.parse(r.body.toString()) as QueryResult) : undefined;
    } catch {
      return undefined; // not up yet
    }
  }

  it('reports up == 1 and returns sys_memory_total_bytes', async () => {
    let up: QueryResult | undefined;
    for (let i = 0; i < 60; i++) {
      up = await query('up{job="sys"}');
      if (up?.data.result[0]?.value[1] === '1') break;
      await sleep(500);
    }
    assert.equal(up?.data.result[0]?.value[1], '1', `target up; prometheus log:\n${promLog.slice(-2000)}`);
    // A couple of intervals later the samples are queryable and match the exporter.
    await sleep(2500);
    const mem = await query('sys_memory_total_bytes');
    assert.equal(mem?.status, 'success');
    assert.equal(mem!.data.result.length, 1);
    assert.ok(Number(mem!.data.result[0].value[1]) > 0);
    const errors = await query('sys_scrape_collector_errors_total');
    assert.equal(errors!.data.result.length, 2, 'both collectors report their error counters');
    const health = await query('min(sys_scrape_collector_success)');
    assert.equal(health!.data.result[0].value[1], '1');
    const samples = await query('scrape_samples_scraped{job="sys"}');
    assert.ok(Number(samples!.data.result[0].value[1]) > 20);
  });
});
