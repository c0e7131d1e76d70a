// The golden test, in node_exporter's manner (its end-to-end fixture): a fixture procfs tree
// (test/fixtures/golden/proc) and injected statfs results go through the real collectors, the
// gatherer and the exposition, and the response must equal the committed files byte for byte,
// in both formats. Only what cannot repeat is normalised: collector durations and the snapshot
// age become 0. UPDATE_GOLDEN=1 rewrites the files (then read the diff before committing it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../scripts/lib/steps';
import { flagReader, parseArgs } from '../../src/cli';
import { createDiskCollector, diskFilter } from '../../src/collectors/disk';
import { StatfsGate, type StatfsResult } from '../../src/collectors/disk/statfs_gate';
import { createMemoryCollector } from '../../src/collectors/memory';
import { Gatherer } from '../../src/gather';
import { createLogger } from '../../src/log';
import { BUILD_INFO } from '../../src/metrics/catalog';
import { render, type Format } from '../../src/metrics/exposition';
import { SampleSet } from '../../src/metrics/samples';
import { promtoolCheck } from '../helpers';

const DIR = join(ROOT, 'test', 'fixtures', 'golden');
const quiet = createLogger('error', 'logfmt', () => undefined);

/** statfs as the kernel would answer for each fixture mount; /mnt/nfs never answers (a dead server). */
function statfs(path: string | Buffer): Promise<StatfsResult> {
  const p = Buffer.isBuffer(path) ? path.toString('latin1') : path;
  if (p === '/mnt/nfs') return new Promise(() => undefined);
  if (p === '/mnt/superro') return Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' }));
  let h = 0;
  for (const c of Buffer.from(p, 'latin1')) h = (h * 31 + c) % 1000;
  const blocks = 1_000_000 + h * 1000;
  return Promise.resolve({ type: 0xef53, bsize: 4096, blocks, bfree: Math.floor(blocks / 3), bavail: Math.floor(blocks / 4), files: 65536 + h, ffree: 60000 });
}

async function exposition(format: Format): Promise<string> {
  const parsed = parseArgs([`--path.procfs=${join(DIR, 'proc')}`], 'linux');
  assert.ok(parsed.kind === 'run');
  const config = parsed.config;
  const gate = new StatfsGate({ capacity: 8, hungAfterMs: 100, statfs });
  const collectors = [
    createMemoryCollector({ procfs: config.procfs, platform: 'linux', log: quiet }),
    createDiskCollector({ platform: 'linux', procfs: config.procfs, rootfs: '/', filter: diskFilter(flagReader(config, 'linux'), 'linux'), gate, log: quiet }),
  ];
  const build = new SampleSet();
  build.add(BUILD_INFO, 1, ['1.0.0', 'golden', 'v20.0.0', 'node', 'linux', 'x64']);
  const g = new Gatherer(collectors, [], build, quiet, { timeoutMs: 2000, intervalMs: 0 });
  try {
    return render(await g.gather(2000), format)
      .replace(/^(sys_scrape_collector_duration_seconds\{[^}]*\}) \S+$/gm, '$1 0')
      .replace(/^(sys_exporter_snapshot_age_seconds) \S+$/gm, '$1 0');
  } finally {
    g.stop();
  }
}

describe('golden exposition', () => {
  for (const [format, file] of [['text', 'expected.prom'], ['openmetrics', 'expected.openmetrics.txt']] as const) {
    it(`fixture procfs and statfs render to ${file}, byte for byte`, async () => {
      const got = await exposition(format);
      const path = join(DIR, file);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, got);
      assert.equal(got, readFileSync(path, 'utf8'));
      if (format === 'text') assert.equal(promtoolCheck(got).code, 0);
    });
  }
});
