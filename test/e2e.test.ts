// The real exporter, started from source on a loopback port, scraped over HTTP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { gzipBody } from '../src/http/server';
import { familiesFor } from '../src/metrics/catalog';
import { FLAVOURS, memTotalBytes, parseExposition, promtoolCheck, request, startExporter as startWith, value, type Exporter } from './helpers';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const families = (text: string): string[] =>
  [...new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))].sort();

// Every suite runs twice: from source and against the shipped exporter-linux.
for (const flavour of FLAVOURS) {
  const startExporter = (args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Exporter> => startWith(args, env, flavour.command());
  describe(`exporter over HTTP (${flavour.name})`, () => {
    let exp: Exporter;
    before(async () => {
      exp = await startExporter();
    });
    after(async () => {
      assert.equal(await exp.stop(), 0, 'SIGTERM ends the exporter with exit code 0');
    });

    it('serves text 0.0.4 that promtool accepts', async () => {
      const r = await exp.scrape();
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], TEXT);
      const text = r.body.toString();
      assert.ok(text.endsWith('\n'));
      const check = promtoolCheck(text);
      assert.equal(check.code, 0, check.output);
    });

    it('emits exactly the families the catalog declares for this platform', async () => {
      const text = (await exp.scrape()).body.toString();
      const declared = familiesFor(process.platform).map((d) => d.name).sort();
      assert.deepEqual(families(text), declared);
    });

    it('reports MemTotal from /proc/meminfo in bytes', async () => {
      const { samples } = parseExposition((await exp.scrape()).body.toString());
      assert.equal(value(samples, 'sys_memory_total_bytes'), memTotalBytes());
      const ratio = value(samples, 'sys_memory_used_ratio')!;
      assert.ok(ratio > 0 && ratio < 1);
    });

    it('reports the size of / as `stat -f /` does', async () => {
      const { samples } = parseExposition((await exp.scrape()).body.toString());
      const [blocks, bsize] = execFileSync('stat', ['-f', '-c', '%b %s', '/'], { encoding: 'utf8' }).trim().split(' ').map(Number);
      assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' }), blocks * bsize);
      assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: '/' }), 0);
      const files = Number(execFileSync('stat', ['-f', '-c', '%c', '/'], { encoding: 'utf8' }).trim());
      assert.equal(value(samples, 'sys_disk_files', { mountpoint: '/' }), files);
    });

    it('reports every collector healthy, with build info', async () => {
      const { samples } = parseExposition((await exp.scrape()).body.toString());
      for (const c of ['memory', 'disk']) {
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: c }), 1);
        assert.equal(value(samples, 'sys_scrape_collector_errors_total', { collector: c }), 0);
      }
      // From source: this Node. The Linux executable: Bun, with the Node.js version it implements.
      const runtime: Record<string, string> = flavour.name === 'from source' ? { nodejs_version: process.version, runtime: `node ${process.version}` } : {};
      assert.equal(value(samples, 'sys_exporter_build_info', { ...runtime, platform: process.platform }), 1);
      if (flavour.name !== 'from source') assert.match(samples.find((x) => x.name === 'sys_exporter_build_info')!.labels.runtime, /^bun \d+\.\d+\.\d+$/);
      assert.ok(value(samples, 'process_resident_memory_bytes')! > 1e6);
    });

    it('serves OpenMetrics when the client prefers it, ending in # EOF', async () => {
      const r = await exp.scrape({
        Accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      });
      assert.equal(r.headers['content-type'], OM);
      const text = r.body.toString();
      assert.ok(text.endsWith('# EOF\n'));
      assert.match(text, /^# TYPE sys_scrape_collector_errors counter$/m);
      assert.match(text, /^sys_scrape_collector_errors_total\{collector="disk"\} \d+$/m);
      assert.match(text, /^# UNIT sys_memory_total_bytes bytes$/m);
      // Rendering OpenMetrics must not change later text renders (a prom-client pitfall).
      const again = (await exp.scrape()).body.toString();
      assert.match(again, /^# TYPE sys_scrape_collector_errors_total counter$/m);
    });

    it('gzips when allowed, to the same families', async () => {
      const plain = (await exp.scrape()).body.toString();
      const r = await exp.scrape({ 'Accept-Encoding': 'gzip, deflate' });
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.equal(r.headers.vary, 'Accept-Encoding');
      const text = gunzipSync(r.body).toString();
      assert.deepEqual(families(text), families(plain));
      assert.equal(promtoolCheck(text).code, 0);
      const identity = await exp.scrape({ 'Accept-Encoding': 'gzip;q=0' });
      assert.equal(identity.headers['content-encoding'], undefined);
    });

    it('gzips small bodies inline and big ones on the pool, both to the same bytes', async () => {
      for (const size of [10, 64 * 1024, 64 * 1024 + 1, 3_000_000]) {
        const body = Buffer.from('sys_disk_size_bytes{mountpoint="/x"} 1\n'.repeat(Math.ceil(size / 38)).slice(0, size));
        assert.deepEqual(gunzipSync(await gzipBody(body)), body, `${size} bytes`);
      }
    });

    it('answers HEAD with headers only', async () => {
      const r = await request(`${exp.base}/metrics`, {}, 'HEAD');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], TEXT);
      assert.ok(Number(r.headers['content-length']) > 1000);
      assert.equal(r.body.length, 0);
    });

    it('serves the landing page, health, 404 and 405', async () => {
      const landing = await request(`${exp.base}/`);
      assert.equal(landing.status, 200);
      assert.equal(landing.headers['content-type'], 'text/html; charset=utf-8');
      const html = landing.body.toString();
      assert.match(html, /<a href="\/metrics">/);
      assert.match(html, /<td>memory<\/td><td>ok<\/td>/);
      assert.match(html, /<td>disk<\/td><td>ok<\/td>/);
      assert.equal((await request(`${exp.base}/-/healthy`)).status, 200);
      assert.equal((await request(`${exp.base}/nope`)).status, 404);
      assert.equal((await request(`${exp.base}/metricsx`)).status, 404);
      assert.equal((await request(`${exp.base}/metrics?x=1`)).status, 200);
      const post = await request(`${exp.base}/metrics`, {}, 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      assert.equal((await request(`${exp.base}/-/healthy`, {}, 'DELETE')).status, 405);
    });

    // From source, Node's headersTimeout (5 s, checked each second); in the executable, Bun's
    // server closes a connection without a whole request after 10 s, checked every 4 s.
    const limit = flavour.name === 'from source' ? 7_000 : 15_000;
    it(`closes a connection that never sends its headers within ${limit / 1000} s`, async () => {
      const url = new URL(exp.base);
      const t0 = Date.now();
      const closedAfter = await new Promise<number>((resolve, reject) => {
        const sock = net.connect(Number(url.port), url.hostname, () => sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
        sock.resume(); // consume the 408 so that 'end' and 'close' can follow
        sock.on('close', () => resolve(Date.now() - t0));
        sock.on('error', () => undefined);
        setTimeout(() => {
          sock.destroy();
          reject(new Error(`slow client still connected after ${limit / 1000} s`));
        }, limit);
      });
      assert.ok(closedAfter < limit);
    });
  });

  describe(`a failing collector (${flavour.name})`, () => {
    let dir: string;
    let exp: Exporter;
    before(async () => {
      // A procfs folder with a mount table but no meminfo: memory fails, disk must not.
      dir = mkdtempSync(join(tmpdir(), 'sysexp-procfs-'));
      mkdirSync(join(dir, 'self'));
      // procfs files report size 0, so copy by reading, not with copyFile.
      writeFileSync(join(dir, 'self', 'mountinfo'), readFileSync('/proc/self/mountinfo'));
      exp = await startExporter([`--path.procfs=${dir}`]);
    });
    after(async () => {
      await exp.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('leaves the other collectors served and its error counter rising', async () => {
      let last = 0;
      for (let i = 0; i < 3; i++) {
        const r = await exp.scrape();
        assert.equal(r.status, 200);
        const text = r.body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        const { samples } = parseExposition(text);
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'memory' }), 0);
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
        assert.equal(value(samples, 'sys_memory_total_bytes'), undefined);
        assert.ok(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' })! > 0);
        const errors = value(samples, 'sys_scrape_collector_errors_total', { collector: 'memory' })!;
        assert.ok(errors > last, `errors_total rises: ${errors} after ${last}`);
        last = errors;
      }
      assert.match(exp.stderr(), /level=warn msg="collector failed" collector=memory/);
    });
  });

  describe(`an old or stripped-down kernel (${flavour.name})`, () => {
    it('serves memory from a meminfo without MemAvailable and without swap lines, with the kernel\'s formula', async () => {
      // A kernel built without swap has no SwapTotal/SwapFree; one before 3.14 no MemAvailable.
      const dir = mkdtempSync(join(tmpdir(), 'sysexp-oldkernel-'));
      const fixtures = join(__dirname, '..', '..', 'test', 'fixtures');
      const real = readFileSync(join(fixtures, 'meminfo-6.18'), 'utf8');
      writeFileSync(join(dir, 'meminfo'), real.replace(/^(MemAvailable|SwapTotal|SwapFree):.*\n/gm, ''));
      writeFileSync(join(dir, 'zoneinfo'), readFileSync(join(fixtures, 'zoneinfo-6.18')));
      const exp = await startExporter([`--path.procfs=${dir}`, '--no-collector.disk']);
      try {
        const text = (await exp.scrape()).body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        const { samples } = parseExposition(text);
        assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'memory' }), 1);
        const kernel = Number(/^MemAvailable:\s+(\d+) kB$/m.exec(real)![1]) * 1024;
        assert.equal(value(samples, 'sys_memory_available_bytes'), kernel);
        assert.doesNotMatch(text, /^sys_swap_/m);
      } finally {
        await exp.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe(`--web.disable-exporter-metrics (${flavour.name})`, () => {
    it('leaves out the process_* families and keeps everything else', async () => {
      const exp = await startExporter(['--web.disable-exporter-metrics']);
      try {
        const text = (await exp.scrape()).body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        const expected = familiesFor(process.platform).filter((d) => d.source !== 'process').map((d) => d.name).sort();
        assert.deepEqual(families(text), expected);
      } finally {
        await exp.stop();
      }
    });
  });

  describe(`background mode (${flavour.name})`, () => {
    it('serves the latest snapshot with its age', async () => {
      const exp = await startExporter(['--collection.interval=200ms', '--log.format=json']);
      try {
        const ages: number[] = [];
        for (let i = 0; i < 5; i++) {
          const { samples } = parseExposition((await exp.scrape()).body.toString());
          ages.push(value(samples, 'sys_exporter_snapshot_age_seconds')!);
          assert.ok(value(samples, 'sys_memory_total_bytes')! > 0);
          await new Promise((r) => setTimeout(r, 70));
        }
        assert.ok(ages.every((a) => a >= 0 && a < 1), `ages ${ages}`);
        assert.ok(ages.some((a) => a > 0.01), `snapshots age between refreshes: ${ages}`);
        const start = exp.stderr().split('\n').find((l) => l.includes('sys-exporter started'))!;
        assert.equal(JSON.parse(start).mode, 'background every 200ms');
      } finally {
        assert.equal(await exp.stop(), 0);
      }
    });
  });
}
