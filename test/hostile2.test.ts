// Hostile input, round two, from source and against the shipped executable: a pattern that
// freezes a backtracking engine, a closed stderr, SIGUSR1, an inspector asked for through
// NODE_OPTIONS, odd UV_THREADPOOL_SIZE values, collect[] and unclean paths.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../scripts/lib/steps';
import { readStatus } from '../src/procfs_linux';
import { FLAVOURS, freePort, parseExposition, promtoolCheck, request, sleep, startExporter } from './helpers';

const asRoot = process.getuid?.() === 0 ? undefined : 'needs root to mount tmpfs';

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

for (const flavour of FLAVOURS) {
  describe(`hostile input, round two (${flavour.name})`, () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'sysexp-h2-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('matches a user\'s exclude pattern in linear time: ^<dir>/(a+)+$ against 34 a\'s and a "!"', { skip: asRoot }, async () => {
      const evil = join(dir, `${'a'.repeat(34)}!`);
      mkdirSync(evil);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'sysexp-evil', evil]);
      try {
        const exp = await startExporter([`--collector.disk.mount-points-exclude=^${dir}/(a+)+$`], process.env, flavour.command());
        try {
          const t0 = Date.now();
          const r = await request(`${exp.base}/metrics`, {}, 'GET', 5000);
          assert.equal(r.status, 200);
          assert.ok(Date.now() - t0 < 2000, `scrape took ${Date.now() - t0} ms`);
          assert.equal((await request(`${exp.base}/-/healthy`, {}, 'GET', 2000)).status, 200);
          const { samples } = parseExposition(r.body.toString());
          assert.ok(samples.some((s) => s.name === 'sys_disk_size_bytes' && s.labels.mountpoint === evil), 'the path does not match, so it is reported');
        } finally {
          await exp.stop();
        }
      } finally {
        spawnSync('umount', ['-l', evil]);
      }
    });

    it('keeps running when nobody reads its stderr any more, and stops cleanly', async () => {
      const [cmd, ...args] = flavour.command();
      const proc = spawn(cmd, [...args, '--web.listen-address=127.0.0.1:0', '--log.level=debug'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<string>((r) => proc.on('exit', (code, sig) => r(sig ?? `exit ${code}`)));
      let seen = '';
      await new Promise<void>((resolve) => proc.stderr!.on('data', (c: Buffer) => ((seen += c.toString()), /sys-exporter started/.test(seen) && resolve())));
      const addr = /addresses=(\S+)/.exec(seen)![1];
      proc.stderr!.destroy(); // the reader goes away, as with `2>&1 | head -c 10`
      await sleep(100);
      for (let i = 0; i < 3; i++) assert.equal((await request(`http://${addr}/metrics`)).status, 200);
      proc.kill('SIGTERM'); // logs "shutting down" and "stopped" into the closed pipe
      assert.equal(await Promise.race([exited, sleep(8000).then(() => 'still running')]), 'exit 0');
    });

    /** Runs test/fixtures/full_stderr.py (its header says what MODE does) and checks what it saw. */
    const throughStderrPipe = async (mode: 'full-at-start' | 'reader-stops', scrapes: number, extra: string[]): Promise<string[]> => {
      const port = await freePort();
      const r = spawnSync('python3', [join(ROOT, 'test', 'fixtures', 'full_stderr.py'), mode, `http://127.0.0.1:${port}/metrics`, String(scrapes), ...flavour.command(), `--web.listen-address=127.0.0.1:${port}`, ...extra], { encoding: 'utf8', timeout: 90_000 });
      assert.equal(r.status, 0, r.stderr);
      const res = JSON.parse(r.stdout) as { statuses: Array<number | string>; filler: boolean; stderr: string; code: number };
      assert.deepEqual(res.statuses, Array(scrapes).fill(200), 'every scrape answered while nobody read stderr');
      assert.ok(res.filler, 'what was in the pipe first comes first');
      const lines = res.stderr.split('\n');
      assert.equal(lines.pop(), '', 'the last line is whole');
      for (const l of lines) assert.match(l, /^ts=\S+ level=(debug|info|warn|error) msg=/, 'a whole logfmt line');
      const msgs = lines.map((l) => /msg=("[^"]*"|\S+)/.exec(l)![1]);
      assert.deepEqual(msgs.filter((m) => ['"sys-exporter started"', '"shutting down"', 'stopped'].includes(m)), ['"sys-exporter started"', '"shutting down"', 'stopped']);
      assert.ok([0, -15].includes(res.code), `ended with ${res.code}`);
      return msgs;
    };

    it('serves, and logs every line whole and in order, with stderr on a non-blocking pipe that is full at start', async () => {
      await throughStderrPipe('full-at-start', 20, []);
    });

    it('keeps serving when its log reader stops reading a blocking stderr pipe, and loses no line', async () => {
      // Every scrape logs two "collector failed" warnings (about 300 bytes): 200 scrapes write
      // 15 times what the one-page pipe holds.
      const msgs = await throughStderrPipe('reader-stops', 200, [`--path.procfs=${join(dir, 'no-proc')}`]);
      assert.equal(msgs.filter((m) => m === '"collector failed"').length, 400 + 2, 'every warning, the first scrape\'s and the readiness poll\'s included');
    });

    it('does not open the V8 inspector on SIGUSR1', async () => {
      const exp = await startExporter([], process.env, flavour.command());
      try {
        assert.equal(await listening(9229), false, 'port 9229 is free before');
        exp.proc.kill('SIGUSR1');
        await sleep(700);
        assert.equal(await listening(9229), false, 'no inspector on 9229');
        assert.doesNotMatch(exp.stderr(), /Debugger listening/);
        assert.match(exp.stderr(), /SIGUSR1 ignored/);
        assert.equal((await exp.scrape()).status, 200);
      } finally {
        assert.equal(await exp.stop(), 0);
      }
    });

    it('reports the thread pool the runtime really has for a UV_THREADPOOL_SIZE it cannot use', async () => {
      // libuv (from source) reads these as 0, then 1 thread; Bun (exporter-linux) falls back to
      // its default of 2 (both measured with FIFO opens holding the pool's threads).
      const threads = flavour.name === 'from source' ? 1 : 2;
      for (const v of ['abc', '0']) {
        const exp = await startExporter([], { ...process.env, UV_THREADPOOL_SIZE: v }, flavour.command());
        try {
          assert.match(exp.stderr(), new RegExp(`msg="sys-exporter started".* uv_threadpool_size=${threads} `));
          assert.match(exp.stderr(), /level=warn msg="few pool threads/);
          assert.equal((await exp.scrape()).status, 200);
        } finally {
          await exp.stop();
        }
      }
    });

    it('filters by collect[] as node_exporter does, answers 400 for an unknown collector, and redirects unclean paths', async () => {
      const exp = await startExporter([], process.env, flavour.command());
      try {
        const disk = await exp.scrape({}, '/metrics?collect[]=disk');
        assert.equal(disk.status, 200);
        const text = disk.body.toString();
        assert.equal(promtoolCheck(text).code, 0);
        assert.match(text, /^sys_disk_size_bytes\{/m);
        assert.doesNotMatch(text, /^sys_memory_/m);
        assert.doesNotMatch(text, /collector="memory"/);
        const bad = await exp.scrape({}, '/metrics?collect[]=disk&collect[]=cpu');
        assert.equal(bad.status, 400);
        assert.match(bad.body.toString(), /missing collector: cpu/);
        const moved = await exp.scrape({}, '//metrics?x=1');
        assert.equal(moved.status, 301);
        assert.equal(moved.headers.location, '/metrics?x=1');
      } finally {
        await exp.stop();
      }
    });
  });
}

describe('a debugger asked for through the environment (exporter-linux, Bun)', () => {
  const binary = (): string => FLAVOURS.find((f) => f.name === 'exporter-linux')!.command()[0];

  it('ignores NODE_OPTIONS=--inspect: no inspector port, serves', async () => {
    const port = await freePort();
    const exp = await startExporter([], { ...process.env, NODE_OPTIONS: `--inspect=127.0.0.1:${port}` }, [binary()]);
    try {
      assert.equal(await listening(port), false, `nothing listens on ${port}`);
      assert.equal((await exp.scrape()).status, 200);
    } finally {
      await exp.stop();
    }
  });

  it('refuses to run with BUN_INSPECT set: one line naming it, exit 2, the port gone', async () => {
    const port = await freePort();
    const r = spawnSync(binary(), ['--web.listen-address=127.0.0.1:0'], { env: { ...process.env, BUN_INSPECT: `127.0.0.1:${port}` }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^sys-exporter: error: BUN_INSPECT is set: an exporter does not open a debugger port; unset it$/m);
    assert.equal(await listening(port), false);
  });
});

describe('the in-place restart of exporter-linux (JIT options and thread pool set before Bun starts)', () => {
  // An argument with a space, non-ASCII text and a flag Bun itself has: each must come back as given.
  const EXCLUDE = '--collector.disk.mount-points-exclude=^/x y/é|--smol$';
  const environ = (pid: number): Map<string, string> =>
    new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const run = async (env: NodeJS.ProcessEnv): Promise<{ pid: number; port: number; proc: import('node:child_process').ChildProcess }> => {
    const port = await freePort();
    const proc = spawn(FLAVOURS[1].command()[0], [`--web.listen-address=127.0.0.1:${port}`, EXCLUDE], { argv0: './sys_exporter', env, stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await request(`http://127.0.0.1:${port}/-/healthy`).then(() => true, () => false)); i++) await sleep(50);
    return { pid: proc.pid!, port, proc };
  };

  it("keeps the pid, argv and executable BlueKing's stop.sh and systemd go by, with the options in its environment", async () => {
    const { pid, port, proc } = await run({ PATH: process.env.PATH });
    try {
      assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), `./sys_exporter\0--web.listen-address=127.0.0.1:${port}\0${EXCLUDE}\0`);
      assert.equal(readlinkSync(`/proc/${pid}/exe`), FLAVOURS[1].command()[0]);
      const env = environ(pid);
      assert.equal(env.get('BUN_JSC_useDFGJIT'), '0');
      assert.equal(env.get('UV_THREADPOOL_SIZE'), '32');
      const text = (await request(`http://127.0.0.1:${port}/metrics`)).body.toString();
      assert.match(text, /^sys_exporter_build_info\{.*runtime="bun /m);
      assert.equal(spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.trim(), '', 'no second process');
    } finally {
      proc.kill('SIGTERM');
    }
  });

  it('keeps what the user set, and does not restart again when its mark is there', async () => {
    const { pid, proc } = await run({ PATH: process.env.PATH, BUN_JSC_useDFGJIT: '1', UV_THREADPOOL_SIZE: '8' });
    try {
      assert.equal(environ(pid).get('BUN_JSC_useDFGJIT'), '1');
      assert.equal(environ(pid).get('UV_THREADPOOL_SIZE'), '8');
    } finally {
      proc.kill('SIGTERM');
    }
    const marked = await run({ PATH: process.env.PATH, SYS_EXPORTER_RUNTIME_SET: '1' });
    try {
      assert.equal(environ(marked.pid).get('BUN_JSC_useDFGJIT'), undefined, 'not restarted: its environment is as given');
      assert.equal((await request(`http://127.0.0.1:${marked.port}/-/healthy`)).status, 200);
    } finally {
      marked.proc.kill('SIGTERM');
    }
  });
});

describe('exporter-linux once started: the pages of its executable only start-up used', () => {
  const names = (body: string): string => [...new Set(parseExposition(body).samples.map((s) => s.name))].sort().join(' ');

  it('hands them back once it listens, and then serves byte-identical series names, 300 scrapes and gzip alike', async () => {
    const exp = await startExporter(['--log.level=debug'], process.env, FLAVOURS[1].command());
    try {
      const pid = exp.proc.pid!;
      const first = names((await exp.scrape()).body.toString());
      for (let i = 0; i < 100 && !/msg="start-up pages of the executable released"/.test(exp.stderr()); i++) await sleep(50);
      const [rss, peak] = [readStatus('/proc', pid, 'VmRSS'), readStatus('/proc', pid, 'VmHWM')];
      assert.ok(rss < peak * 0.8, `RSS ${rss} KiB against a peak of ${peak} KiB: nothing was handed back`);
      const line = /msg="start-up pages of the executable released" mappings=(\d+) resident_file_kib_before=(\d+) resident_file_kib_after=(\d+)/.exec(exp.stderr());
      assert.ok(line, `no release in the log:\n${exp.stderr()}`);
      assert.ok(Number(line[1]) >= 1, 'at least the text of the executable');
      // Before: everything start-up mapped (about 30 MiB of Bun); after: what is used again.
      assert.ok(Number(line[3]) < Number(line[2]) / 2, `resident file pages ${line[2]} -> ${line[3]} KiB`);
      // The pages read back are the executable's own: the same code runs, nothing is lost.
      for (let i = 0; i < 300; i++) {
        const r = await exp.scrape(i % 2 ? { 'accept-encoding': 'gzip' } : {});
        assert.equal(r.status, 200);
        if (i % 50 === 0 && !(i % 2)) assert.equal(names(r.body.toString()), first);
      }
      assert.equal(exp.proc.exitCode, null);
    } finally {
      await exp.stop();
    }
  });
});
