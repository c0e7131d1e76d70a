// The Windows code paths, run on Linux with injected data: what Node's os and fs.statfs return
// on Windows, and what systeminformation's WMI query returns. The wine smoke test of the real
// executable belongs to the packaging tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDiskCollector } from '../../src/collectors/disk';
import { StatfsGate, type StatfsResult } from '../../src/collectors/disk/statfs_gate';
import { driveOf, probeDriveLetters, volumesFromSysinfo } from '../../src/collectors/disk/volumes_windows';
import { createMemoryCollector } from '../../src/collectors/memory';
import { createLogger } from '../../src/log';
import { familiesFor } from '../../src/metrics/catalog';
import { render } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { parseExposition, promtoolCheck, value } from '../helpers';

const quiet = createLogger('error', 'logfmt', () => undefined);
const ctx = (ms = 1000) => ({ deadline: Date.now() + ms, signal: new AbortController().signal });

// GetDiskFreeSpaceExW as libuv reports it: bsize 4096, no inode counts.
const C: StatfsResult = { type: 0, bsize: 4096, blocks: 25_000_000, bfree: 10_000_000, bavail: 9_000_000, files: 0, ffree: 0 };
const D: StatfsResult = { type: 0, bsize: 512, blocks: 1000, bfree: 1000, bavail: 1000, files: 0, ffree: 0 };

describe('windows memory', () => {
  it('uses os.totalmem/os.freemem and the background swap figures', async () => {
    const c = createMemoryCollector({
      procfs: '/nonexistent',
      platform: 'win32',
      log: quiet,
      windowsSource: { totalmem: () => 16e9, freemem: () => 4e9, swap: () => ({ total: 2e9, free: 1.5e9 }) },
    });
    const out = new SampleSet();
    await c.collect(ctx(), out);
    const s = parseExposition(render([out], 'text')).samples;
    assert.equal(value(s, 'sys_memory_total_bytes'), 16e9);
    assert.equal(value(s, 'sys_memory_available_bytes'), 4e9);
    assert.equal(value(s, 'sys_memory_used_bytes'), 12e9);
    assert.equal(value(s, 'sys_memory_used_ratio'), 0.75);
    assert.equal(value(s, 'sys_swap_total_bytes'), 2e9);
    assert.equal(value(s, 'sys_swap_free_bytes'), 1.5e9);
  });

  it('leaves swap out until the background refresh has an answer', async () => {
    const c = createMemoryCollector({
      procfs: '/nonexistent',
      platform: 'win32',
      log: quiet,
      windowsSource: { totalmem: () => 8e9, freemem: () => 8e9, swap: () => undefined },
    });
    const out = new SampleSet();
    await c.collect(ctx(), out);
    const s = parseExposition(render([out], 'text')).samples;
    assert.equal(value(s, 'sys_swap_total_bytes'), undefined);
    assert.equal(value(s, 'sys_memory_used_ratio'), 0);
  });
});

describe('windows volumes', () => {
  it('normalises drive names', () => {
    assert.equal(driveOf('c:'), 'C:');
    assert.equal(driveOf('D:\\'), 'D:');
    assert.equal(driveOf('\\\\server\\share'), undefined);
  });

  it('reads WMI volumes as systeminformation returns them', () => {
    const v = volumesFromSysinfo([
      { fs: 'C:', type: 'NTFS', mount: 'C:', rw: true },
      { fs: 'D:', type: 'FAT32', mount: 'D:', rw: false },
      { fs: 'C:', type: 'NTFS', mount: 'C:', rw: true },
      { fs: '\\\\srv\\x', type: '', mount: '', rw: null },
    ]);
    assert.deepEqual(v, [
      { device: 'C:', mountpoint: 'C:', fstype: 'NTFS', readonly: false },
      { device: 'D:', mountpoint: 'D:', fstype: 'FAT32', readonly: true },
    ]);
  });

  it('falls back to the drive letters whose root answers statfs', async () => {
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: (p) => (p === 'C:\\' || p === 'E:\\' ? Promise.resolve(C) : Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' }))) });
    const v = await probeDriveLetters(gate, 1000);
    assert.deepEqual(v.map((x) => x.mountpoint), ['C:', 'E:']);
  });

  it('emits disk metrics per volume root, C: style, without inode families', async () => {
    const paths: string[] = [];
    const gate = new StatfsGate({ capacity: 4, hungAfterMs: 20, statfs: (p) => {
      paths.push(String(p));
      return Promise.resolve(p === 'C:\\' ? C : D);
    } });
    const c = createDiskCollector({
      platform: 'win32',
      procfs: '/proc',
      rootfs: '/',
      filter: { mountPointsExclude: /^$/, fsTypesExclude: /^$/ },
      gate,
      log: quiet,
      discovery: async () => [
        { device: 'C:', mountpoint: 'C:', fstype: 'NTFS', readonly: false },
        { device: 'D:', mountpoint: 'D:', fstype: 'FAT32', readonly: true },
      ],
    });
    try {
      const out = new SampleSet();
      await c.collect(ctx(), out);
      const text = render([out], 'text');
      const s = parseExposition(text).samples;
      const l = { mountpoint: 'C:', device: 'C:', fstype: 'NTFS' };
      assert.deepEqual(paths.sort(), ['C:\\', 'D:\\']);
      assert.equal(value(s, 'sys_disk_size_bytes', l), 25_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_free_bytes', l), 10_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_available_bytes', l), 9_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_used_bytes', l), 15_000_000 * 4096);
      assert.equal(value(s, 'sys_disk_used_ratio', l), 15 / 24);
      assert.equal(value(s, 'sys_disk_readonly', { mountpoint: 'D:' }), 1);
      assert.equal(value(s, 'sys_disk_files', l), undefined);
      const windowsFamilies = new Set(familiesFor('win32').map((d) => d.name));
      for (const x of s) assert.ok(windowsFamilies.has(x.name), `${x.name} is declared for Windows`);
      assert.equal(promtoolCheck(text).code, 0);
    } finally {
      c.close();
    }
  });
});
