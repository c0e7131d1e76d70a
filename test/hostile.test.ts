// Hostile input: malformed requests against a running exporter, and label values from mount
// points with characters that must be escaped.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readStatus } from '../src/procfs_linux';
import { FLAVOURS, parseExposition, promtoolCheck, sleep, startExporter as startWith, type Exporter } from './helpers';

interface RawResult {
  status: number | undefined;
  head: string;
  body: Buffer;
}

/**
 * Sends `chunks` on a raw connection (with `gapMs` between them, for slow clients), then reads
 * until the server closes or `waitMs` passes. Returns the first response's status and body.
 */
function raw(port: number, chunks: Array<string | Buffer>, gapMs = 0, waitMs = 8000, halfClose = false): Promise<RawResult> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const all = Buffer.concat(got);
      const sep = all.indexOf('\r\n\r\n');
      const head = (sep >= 0 ? all.subarray(0, sep) : all).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      resolve({ status: m ? Number(m[1]) : undefined, head, body: sep >= 0 ? all.subarray(sep + 4) : Buffer.alloc(0) });
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('close', finish);
    sock.on('error', finish);
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (sock.destroyed) return;
        sock.write(c);
        if (gapMs) await sleep(gapMs);
      }
      if (halfClose) sock.end();
    });
  });
}

/** A seeded generator, so that a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const rssOf = (pid: number): number => readStatus('/proc', pid, 'VmRSS') * 1024;

// Every suite runs twice: from source and against the shipped exporter-linux.
for (const flavour of FLAVOURS) {
  const startExporter = (args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Exporter> => startWith(args, env, flavour.command());
  describe(`fuzzing a running exporter (${flavour.name})`, () => {
    let exp: Exporter;
    let port: number;
    before(async () => {
      exp = await startExporter(['--web.max-requests=4']);
      port = Number(new URL(exp.base).port);
    });
    after(async () => {
      assert.equal(await exp.stop(), 0);
    });

    it('answers every malformed request with a proper 4xx/5xx or a valid exposition, and stays healthy', async (t) => {
      const rnd = prng(20261121);
      const cases: Array<{ name: string; chunks: Array<string | Buffer>; gap?: number; expect: (s: number | undefined) => boolean; halfClose?: boolean }> = [];
      const ok = (s: number | undefined) => s === 200;
      // The executable serves plain HTTP with Bun's own server (uWebSockets), which refuses some
      // malformed requests differently from Node's: 505 for a request line it cannot read, the
      // connection closed for an unknown method or headers never finished, and dot segments
      // resolved before routing (never past the routes: /../../etc/passwd is /etc/passwd, a 404).
      const bun = flavour.name !== 'from source';
      const client = (s: number | undefined) => (s !== undefined && s >= 400 && s < 500) || (bun && (s === 505 || s === undefined));
      for (let i = 0; i < 25; i++) {
        const bytes = Buffer.alloc(1 + Math.floor(rnd() * 2000));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
        cases.push({ name: `garbage ${i} (${bytes.length} bytes)`, chunks: [bytes, '\r\n\r\n'], expect: client });
      }
      const huge = 'X-Big: ' + 'a'.repeat(20_000);
      cases.push(
        { name: 'truncated request line', chunks: ['GET /metr'], expect: (s) => s === undefined || client(s), halfClose: true },
        { name: 'request line without version', chunks: ['GET /metrics\r\n\r\n'], expect: (s) => s === undefined || s === 200 || client(s), halfClose: true },
        { name: 'huge header', chunks: [`GET /metrics HTTP/1.1\r\nHost: x\r\n${huge}\r\n\r\n`], expect: (s) => s === 431 },
        { name: '10,000 headers', chunks: [`GET /metrics HTTP/1.1\r\n${'A: b\r\n'.repeat(10_000)}\r\n`], expect: client },
        { name: 'overlong URL', chunks: [`GET /metrics?${'a'.repeat(6000)} HTTP/1.1\r\nHost: x\r\n\r\n`], expect: (s) => s === 414 },
        { name: 'invalid method', chunks: ['FROB /metrics HTTP/1.1\r\nHost: x\r\n\r\n'], expect: client },
        { name: 'lowercase method', chunks: ['get /metrics HTTP/1.1\r\nHost: x\r\n\r\n'], expect: client },
        { name: 'POST with a body', chunks: ['POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'], expect: (s) => s === 413 },
        { name: 'chunked GET', chunks: ['GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'], expect: (s) => s === 413 },
        { name: 'NUL in a header', chunks: ['GET /metrics HTTP/1.1\r\nHost: x\0y\r\n\r\n'], expect: client },
        // Go's ServeMux (node_exporter) redirects a path with dot segments to its clean form.
        { name: 'path traversal', chunks: ['GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'], expect: (s) => s === (bun ? 404 : 301) },
        { name: 'encoded traversal', chunks: ['GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'], expect: (s) => s === 404 },
        { name: 'dot segment to metrics', chunks: ['GET /x/../metrics HTTP/1.1\r\nHost: x\r\n\r\n'], expect: (s) => s === (bun ? 200 : 301) },
        // Go's server (node_exporter) and Bun's take the path of an absolute-form target (RFC 9112 3.2.2).
        { name: 'absolute-form target', chunks: ['GET http://evil/metrics HTTP/1.1\r\nHost: x\r\n\r\n'], expect: (s) => s === (bun ? 200 : 404) },
        { name: 'bad Accept', chunks: [`GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: ;;q=abc,,application/openmetrics-text;version=;q=-4,${'*/*;'.repeat(500)}\r\n\r\n`], expect: ok },
        { name: 'bad Accept-Encoding', chunks: ['GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept-Encoding: gzip;q=NaN, br;;;, *;q=0\r\n\r\n'], expect: ok },
        { name: 'bad scrape timeout header', chunks: ['GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Prometheus-Scrape-Timeout-Seconds: -1e309\r\n\r\n'], expect: ok },
        { name: 'HTTP/0.9', chunks: ['GET /metrics\r\n'], expect: (s) => s === undefined || client(s), halfClose: true },
        { name: 'slow byte-at-a-time valid request', chunks: [...'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], gap: 20, expect: ok },
        { name: 'slow client that never finishes its headers', chunks: ['GET /metrics HTTP/1.1\r\n', 'Host: x\r\n'], gap: 100, expect: (s) => s === 408 || (bun && s === undefined) },
      );
      const rss0 = rssOf(exp.proc.pid!);
      const wrong: string[] = [];
      for (const c of cases) {
        const r = await raw(port, c.chunks, c.gap ?? 0, 8000, c.halfClose ?? false);
        if (!c.expect(r.status)) wrong.push(`${c.name}: got ${r.status ?? 'no response'} ${r.head.split('\r\n')[0]}`);
        if (r.status === 200) {
          const text = r.head.toLowerCase().includes('transfer-encoding: chunked') ? '' : r.body.toString();
          assert.equal(promtoolCheck(text).code, 0, `${c.name}: valid exposition`);
        }
      }
      assert.deepEqual(wrong, []);
      // A burst over --web.max-requests: every answer is 200 or 503, none hangs or fails.
      const burst = await Promise.all(Array.from({ length: 60 }, () => raw(port, ['GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 0, 10_000)));
      const statuses = burst.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 200 || s === 503), `burst statuses: ${statuses}`);
      // Many rounds of garbage, then the exporter must still be healthy and not have grown.
      for (let round = 0; round < 5; round++) {
        await Promise.all(cases.filter((c) => c.name.startsWith('garbage')).map((c) => raw(port, c.chunks, 0, 5000)));
      }
      const r = await exp.scrape();
      assert.equal(r.status, 200);
      assert.equal(promtoolCheck(r.body.toString()).code, 0);
      const rss1 = rssOf(exp.proc.pid!);
      t.diagnostic(`sent ${cases.length} kinds of malformed request (${cases.length + 125} connections) + a burst of 60; RSS ${(rss0 / 1e6).toFixed(1)} -> ${(rss1 / 1e6).toFixed(1)} MB; burst: ${statuses.filter((s) => s === 200).length} x 200, ${statuses.filter((s) => s === 503).length} x 503`);
      assert.ok(rss1 - rss0 < 30e6, `RSS grew by ${((rss1 - rss0) / 1e6).toFixed(1)} MB`);
    });
  });

  describe(`label values from real mount points (${flavour.name})`, { skip: process.getuid?.() === 0 ? undefined : 'needs root to mount tmpfs' }, () => {
    let dir: string;
    // name as created (bytes) -> the label value expected back
    const names: Array<{ bytes: Buffer; label: string }> = [
      { bytes: Buffer.from('with space'), label: 'with space' },
      { bytes: Buffer.from('quote"d'), label: 'quote"d' },
      { bytes: Buffer.from('back\\slash'), label: 'back\\slash' },
      { bytes: Buffer.from('new\nline'), label: 'new\nline' },
      { bytes: Buffer.from('tab\there'), label: 'tab\there' },
      // Two names that differ only in bytes that are not UTF-8 stay two series.
      { bytes: Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x75, 0x74, 0x66]), label: 'bad\\xff\\xfeutf' },
      { bytes: Buffer.from([0x62, 0x61, 0x64, 0xfe, 0xff, 0x75, 0x74, 0x66]), label: 'bad\\xfe\\xffutf' },
      { bytes: Buffer.from('caf\u00e9 \ufffd'), label: 'caf\u00e9 \ufffd' },
    ];
    const mounted: Buffer[] = [];
    // The path reaches the shell as printf %b escapes: arguments and environment values are JS
    // strings, which cannot carry bytes that are not UTF-8.
    const escaped = (p: Buffer): string => [...p].map((b) => `\\0${b.toString(8).padStart(3, '0')}`).join('');
    const sh = (script: string, p: Buffer) => spawnSync('sh', ['-c', script], { env: { ...process.env, MP: escaped(p) }, encoding: 'utf8' });

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'sysexp-labels-'));
      for (const n of names) {
        const p = Buffer.concat([Buffer.from(`${dir}/`), n.bytes]);
        mkdirSync(p);
        const r = sh('mount -t tmpfs -o size=1m sysexp "$(printf %b "$MP")"', p);
        if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
        mounted.push(p);
      }
    });
    after(() => {
      for (const p of mounted) sh('umount -l "$(printf %b "$MP")"', p);
      rmSync(dir, { recursive: true, force: true });
    });

    it('escapes them so the exposition stays valid, and they read back as the paths', async () => {
      const exp = await startExporter(['--no-collector.memory']);
      try {
        for (const format of ['text', 'openmetrics']) {
          const r = await exp.scrape(format === 'openmetrics' ? { Accept: 'application/openmetrics-text' } : {});
          const text = r.body.toString('utf8');
          assert.ok(Buffer.from(text, 'utf8').equals(r.body), 'the body is valid UTF-8');
          if (format === 'text') {
            const check = promtoolCheck(text);
            assert.equal(check.code, 0, check.output);
            const { samples } = parseExposition(text);
            for (const n of names) {
              const mp = `${dir}/${n.label}`;
              const s = samples.find((x) => x.name === 'sys_disk_size_bytes' && x.labels.mountpoint === mp);
              assert.ok(s, `series for ${JSON.stringify(mp)}`);
              assert.equal(s.value, 1024 * 1024);
              assert.equal(s.labels.device, 'sysexp');
            }
          }
          // No raw newline or quote inside a label value: every sample stays on one line.
          for (const line of text.split('\n')) if (line.includes(dir)) assert.match(line, /^sys_disk_\w+\{device="sysexp",fstype="tmpfs",mountpoint="(?:[^"\\\n]|\\[\\"n])*"\} \S+$/);
        }
        execFileSync('true');
      } finally {
        await exp.stop();
      }
    });
  });
}
