// --path.rootfs as a container runs the exporter (the host's / bind-mounted at /host), next to
// node_exporter with the same flags: the same mount points, the same figures, also when
// /proc/1 is hidden and the mount table comes from self/mountinfo.
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from '../src/collectors/disk';
import { FLAVOURS, freePort, parseExposition, request, sleep, startExporter, type ParsedSample } from './helpers';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const skip = existsSync(NODE_EXPORTER) ? undefined : `${NODE_EXPORTER} is missing (Debian package prometheus-node-exporter)`;

/** mountpoint|device|fstype -> size in bytes, or 'error' where statfs failed. */
type Figures = Map<string, number | 'error'>;

function figures(samples: ParsedSample[], prefix: string): Figures {
  const out: Figures = new Map();
  for (const s of samples) {
    const key = `${s.labels.mountpoint}|${s.labels.device}|${s.labels.fstype}`;
    if (s.name === `${prefix}_device_error` && s.value === 1) out.set(key, 'error');
    if (s.name === `${prefix}_size_bytes`) out.set(key, s.value);
  }
  return out;
}

async function nodeExporter(args: string[]): Promise<Figures> {
  const port = await freePort();
  // Debian's build leaves out /mnt, /media and /run by default: give it the upstream defaults,
  // which are ours.
  const excludes = [`--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`, `--collector.filesystem.fs-types-exclude=${DEFAULT_FS_TYPES_EXCLUDE}`];
  const proc = spawn(NODE_EXPORTER, ['--collector.disable-defaults', '--collector.filesystem', '--web.disable-exporter-metrics', `--web.listen-address=127.0.0.1:${port}`, ...excludes, ...args], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        const r = await request(`http://127.0.0.1:${port}/metrics`);
        return figures(parseExposition(r.body.toString()).samples, 'node_filesystem');
      } catch {
        await sleep(50);
      }
    }
    throw new Error('node_exporter did not answer');
  } finally {
    proc.kill('SIGKILL');
  }
}

describe('--path.rootfs next to node_exporter', { skip }, () => {
  let dir: string;
  let host: string;
  let hiddenProc: string;
  const mounted: string[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysexp-rootfs-'));
    host = join(dir, 'host');
    mkdirSync(host);
    // The host's root and a data volume, as a container sees them below --path.rootfs.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'sysexp-hostroot', host]);
    mounted.push(host);
    mkdirSync(join(host, 'data'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'sysexp-hostdata', join(host, 'data')]);
    mounted.unshift(join(host, 'data'));
    // A procfs where /proc/1 is hidden (hidepid=2 for a user that is not root): only self/.
    hiddenProc = join(dir, 'proc');
    mkdirSync(join(hiddenProc, 'self'), { recursive: true });
    // self/mountinfo is our fallback and node_exporter 1.12's; 1.5 falls back to mounts.
    writeFileSync(join(hiddenProc, 'self', 'mountinfo'), readFileSync('/proc/self/mountinfo'));
    writeFileSync(join(hiddenProc, 'mounts'), readFileSync('/proc/self/mounts'));
    copyFileSync('/proc/meminfo', join(hiddenProc, 'meminfo'));
  });

  after(() => {
    for (const m of mounted) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const flavour of FLAVOURS) {
    for (const procfs of ['/proc', 'hidden']) {
      it(`reports what node_exporter reports (${flavour.name}, procfs ${procfs === 'hidden' ? 'without /proc/1' : '/proc'})`, async () => {
        const args = [`--path.rootfs=${host}`, `--path.procfs=${procfs === 'hidden' ? hiddenProc : procfs}`];
        const theirs = await nodeExporter(args);
        const exp = await startExporter(args, process.env, flavour.command());
        let ours: Figures;
        try {
          ours = figures(parseExposition((await exp.scrape()).body.toString()).samples, 'sys_disk');
        } finally {
          await exp.stop();
        }
        // The data volume, labelled as the host names it and measured below the rootfs folder.
        assert.equal(ours.get('/data|sysexp-hostdata|tmpfs'), 8 * 1024 * 1024, JSON.stringify([...ours]));
        assert.equal(ours.get('/|sysexp-hostroot|tmpfs'), 16 * 1024 * 1024, JSON.stringify([...ours]));
        for (const k of ours.keys()) assert.ok(!k.startsWith(host), `${k} still carries the rootfs prefix`);
        // Every series both report agrees; node_exporter lists a mount point twice where two
        // mounts are stacked at it, sys-exporter only the visible one.
        for (const [k, v] of ours) assert.equal(theirs.get(k), v, `${k}: sys-exporter ${v}, node_exporter ${theirs.get(k)}`);
        const ourPoints = new Set([...ours.keys()].map((k) => k.split('|')[0]));
        const theirPoints = new Set([...theirs.keys()].map((k) => k.split('|')[0]));
        assert.deepEqual([...ourPoints].sort(), [...theirPoints].sort());
      });
    }
  }
});
