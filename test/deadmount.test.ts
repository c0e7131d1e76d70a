// Mounts whose statfs never answers (FUSE), more of them than libuv's default four threads:
// the exporter must keep answering in bounded time, flag each dead mount, and keep every other
// metric right.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fuseUnavailable, mountDead, releaseDead, type DeadMount } from './fuse/mount';
import { parseExposition, promtoolCheck, sleep, startExporter, value, type Exporter } from './helpers';

const skip = fuseUnavailable();
if (skip) console.log(`# SKIP dead-mount tests: ${skip}`);

const DEAD = 6; // more than libuv's default pool of 4

describe('dead mounts', { skip }, () => {
  let dir: string;
  const mounts: DeadMount[] = [];
  const exporters: Exporter[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-dead-'));
    for (let i = 0; i < DEAD; i++) {
      const p = join(dir, `dead ${i}`); // a space too: labels must stay valid
      mkdirSync(p);
      mounts.push(await mountDead(p));
    }
  });

  after(async () => {
    // Always: free stuck callers, unmount, then let the exporters finish exiting.
    for (const m of mounts) releaseDead(m);
    for (const e of exporters) if (e.proc.exitCode === null) e.proc.kill('SIGKILL');
    await Promise.all(exporters.map((e) => e.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the first and every next scrape within the deadline, flagging each dead mount', async () => {
    const exp = await startExporter(['--collector.timeout=1s']);
    exporters.push(exp);
    const [blocks, bsize] = execFileSync('stat', ['-f', '-c', '%b %s', '/'], { encoding: 'utf8' }).trim().split(' ').map(Number);

    for (let round = 0; round < 3; round++) {
      const t0 = Date.now();
      const r = await exp.scrape();
      const took = Date.now() - t0;
      assert.equal(r.status, 200);
      // The first scrape waits for its deadline (1 s); later ones skip the known-dead mounts.
      assert.ok(took < (round === 0 ? 2500 : 900), `scrape ${round} took ${took} ms`);
      const text = r.body.toString();
      assert.equal(promtoolCheck(text).code, 0);
      const { samples } = parseExposition(text);
      for (const m of mounts) {
        assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: m.path }), 1, m.path);
        assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: m.path }), undefined);
      }
      assert.equal(value(samples, 'sys_disk_hung_statfs_calls'), DEAD);
      assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: '/' }), 0);
      assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' }), blocks * bsize);
      assert.ok(value(samples, 'sys_memory_total_bytes')! > 0);
      assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
      assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'memory' }), 1);
    }
    // Async gzip shares libuv's pool with statfs: it must still get a thread.
    const z = await exp.scrape({ 'Accept-Encoding': 'gzip' });
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(z.body).toString(), /^sys_memory_total_bytes \d+$/m);
  });

  it('honours X-Prometheus-Scrape-Timeout-Seconds and --web.max-requests while a scrape is stuck', async () => {
    const exp = await startExporter(['--collector.timeout=10s', '--web.max-requests=1']);
    exporters.push(exp);
    const t0 = Date.now();
    const first = exp.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '2' });
    await sleep(300);
    const second = await exp.scrape();
    assert.equal(second.status, 503, 'over --web.max-requests');
    const r = await first;
    const took = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.ok(took < 2000, `the header's 2 s minus 0.5 s bounds the scrape, not the 10 s timeout: ${took} ms`);
    const { samples } = parseExposition(r.body.toString());
    assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: mounts[0].path }), 1);
  });

  it('shuts down on SIGTERM with statfs calls still hung, exiting 0 once the kernel lets go', async () => {
    for (const e of exporters) e.proc.kill('SIGTERM');
    for (const e of exporters) {
      for (let i = 0; i < 60 && !/msg=stopped/.test(e.stderr()); i++) await sleep(100);
      assert.match(e.stderr(), /msg=stopped/, 'graceful shutdown completed in user space');
    }
    // A thread blocked in a FUSE request cannot die until the request ends: abort the
    // connections, as an operator would with a dead NFS server (umount -f).
    for (const m of mounts) releaseDead(m);
    const codes = await Promise.all(exporters.map((e) => Promise.race([e.exited, sleep(10_000).then(() => 'timeout')])));
    assert.deepEqual(codes, exporters.map(() => 0));
  });
});
