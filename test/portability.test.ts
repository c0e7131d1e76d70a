// exporter-linux on the hosts fleets still run, and exporter-linux-arm64, tested as shipped:
// - the symbol versions and libraries the binaries ask of the host's loader (readelf, which reads
//   either architecture): nothing newer than glibc 2.17, no libstdc++, as on CentOS/RHEL 7;
// - a run on "Linux 3.10": a seccomp filter (test/seccomp/linux310.c) answers ENOSYS to every
//   system call added after 3.10, as that kernel does. Serves, right values, dead mounts flagged
//   within the deadline, SIGTERM still stops it;
// - exporter-linux-arm64 under qemu-user with Debian's arm64 C library: serves, promtool accepts,
//   right values.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARTIFACTS } from '../scripts/dist';
import { compareVersions, loaderNeeds } from '../scripts/lib/elf';
import { fuseUnavailable, mountDead, releaseDead, type DeadMount } from './fuse/mount';
import { ended, memTotalBytes, parseExposition, promtoolCheck, shippedLinux, startExporter, statf, value } from './helpers';

/** The newest versions a CentOS 7 / RHEL 7 / TencentOS 2 / Alibaba Cloud Linux 2 host has. */
const FLOOR = { GLIBC: '2.17', GLIBCXX: '3.4.19' } as const;
/** Libraries glibc 2.17 hosts have in their base system. */
const BASE_LIBS = /^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/;

/** A symbol version newer than the floor for its library. */
const newer = (version: string): boolean => {
  const [lib, num] = version.split('_');
  return compareVersions(num, FLOOR[lib as keyof typeof FLOOR]) > 0;
};

describe('what the Linux executables ask of the host', () => {
  before(() => shippedLinux());
  for (const [name, file] of [['exporter-linux', () => ARTIFACTS.linux], ['exporter-linux-arm64', () => ARTIFACTS.linuxArm64]] as const) {
    it(`${name}: nothing newer than GLIBC_2.17, no libstdc++, base libraries only`, () => {
      const { versions, libs } = loaderNeeds(file());
      assert.ok(versions.some((x) => x.startsWith('GLIBC_')), `readelf found the version needs: ${versions.join(' ')}`);
      assert.deepEqual(versions.filter(newer), [], 'symbol versions newer than CentOS 7 has');
      assert.deepEqual(libs.filter((l) => !BASE_LIBS.test(l)), [], `libraries beyond glibc's: ${libs.join(' ')}`);
    });
  }
});

describe('exporter-linux on Linux 3.10 (seccomp: ENOSYS for every later system call)', () => {
  const skip = fuseUnavailable();
  let harness: string;
  let dir: string;
  let dead: DeadMount;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-310-'));
    harness = join(dir, 'linux310');
    execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', harness, join(__dirname, '..', '..', 'test', 'seccomp', 'linux310.c')]);
    shippedLinux();
    if (!skip) {
      mkdirSync(join(dir, 'dead'));
      dead = await mountDead(join(dir, 'dead'));
    }
  });
  after(() => {
    if (dead) releaseDead(dead);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the harness answers as 3.10 does: getrandom(2) (3.17) fails with ENOSYS, older calls work', () => {
    const r = spawnSync(harness, ['python3', '-c', 'import os, errno\ntry:\n  os.getrandom(1); print("works")\nexcept OSError as e:\n  print(errno.errorcode[e.errno])'], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'ENOSYS', r.stderr);
    assert.equal(spawnSync('python3', ['-c', 'import os; os.getrandom(1); print("works")'], { encoding: 'utf8' }).stdout.trim(), 'works');
  });

  it('serves the right values, flags a dead mount within the deadline, and stops on SIGTERM', { skip }, async () => {
    const exp = await startExporter(['--collector.timeout=1s'], process.env, [harness, ARTIFACTS.linux]);
    try {
      await exp.scrape();
      const t0 = Date.now();
      const text = (await exp.scrape()).body.toString();
      assert.ok(Date.now() - t0 < 1500, `scrape took ${Date.now() - t0} ms`);
      const { code, output } = promtoolCheck(text);
      assert.equal(code, 0, output);
      const { samples } = parseExposition(text);
      assert.equal(value(samples, 'sys_memory_total_bytes'), memTotalBytes());
      assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' }), statf('/').size);
      assert.equal(value(samples, 'sys_disk_device_error', { mountpoint: dead.path }), 1);
      assert.equal(value(samples, 'sys_scrape_collector_success', { collector: 'disk' }), 1);
      assert.match(text, /^sys_exporter_build_info\{.*runtime="bun [\d.]+".*\} 1$/m);
    } finally {
      exp.proc.kill('SIGTERM');
      const how = await ended(exp, 6000);
      assert.ok(how === 'exit 0' || how === 'SIGTERM', `after SIGTERM: ${how}`);
    }
  });
});

describe('exporter-linux is one file and one process', () => {
  it('serves from the process that was started: nothing extracted, no re-exec, no .env or bunfig.toml from its folder', async () => {
    const bin = shippedLinux();
    const dir = mkdtempSync(join(tmpdir(), 'sysexp-one-'));
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    // What Bun would read from the working folder if autoloading were on.
    writeFileSync(join(dir, '.env'), 'UV_THREADPOOL_SIZE=3\n');
    writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
    writeFileSync(join(dir, 'preload.js'), `require('fs').writeFileSync(${JSON.stringify(join(dir, 'preloaded'))}, 'x');\n`);
    const before = readdirSync(dir).sort();
    const exp = await startExporter([], { ...process.env, TMPDIR: tmp, HOME: dir }, [bin], dir);
    try {
      assert.equal((await exp.scrape()).status, 200);
      const pid = exp.proc.pid!;
      assert.equal(readlinkSync(`/proc/${pid}/exe`), bin, 'the started process serves');
      const children = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
      assert.deepEqual(children, [], 'no child process');
      assert.deepEqual(readdirSync(tmp), [], 'nothing written to TMPDIR');
      assert.deepEqual(readdirSync(dir).sort(), before, 'nothing written to its folder, no preload ran');
      assert.match(exp.stderr(), /uv_threadpool_size=32 /, '.env was not read');
    } finally {
      await exp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exporter-linux-arm64 under qemu-user', () => {
  it('serves, promtool accepts, values right', async () => {
    shippedLinux();
    const exp = await startExporter([], process.env, ['qemu-aarch64', ARTIFACTS.linuxArm64]);
    try {
      const text = (await exp.scrape()).body.toString();
      const { code, output } = promtoolCheck(text);
      assert.equal(code, 0, output);
      const { samples } = parseExposition(text);
      assert.equal(value(samples, 'sys_memory_total_bytes'), memTotalBytes());
      assert.equal(value(samples, 'sys_disk_size_bytes', { mountpoint: '/' }), statf('/').size);
      assert.match(text, /^sys_exporter_build_info\{.*platform="linux",arch="arm64"\} 1$/m);
      assert.match(exp.stderr(), /uv_threadpool_size=32 /);
    } finally {
      assert.equal(await exp.stop(), 0);
    }
  });
});
