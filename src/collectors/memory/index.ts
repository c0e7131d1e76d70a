import type { Collector, CollectContext } from '../collector';
import type { Logger } from '../../log';
import { COMMIT_LIMIT, COMMITTED, MEMORY_AVAILABLE, MEMORY_FAMILIES, MEMORY_TOTAL, MEMORY_USED, MEMORY_USED_RATIO, SWAP_FREE, SWAP_TOTAL } from './metrics';
import type { CollectorModule } from '../module';
import { WMI_GRACE_MS, type CimFeed } from '../cim_windows';
import type { SampleSet } from '../../metrics/samples';
import { readMeminfo } from './memory_linux';
import { cimMemorySource, windowsMemory, type WindowsMemorySource } from './memory_windows';

export interface MemoryStats {
  readonly total: number;
  readonly available: number;
  /** Undefined where swap is not known (yet): the families are then left out, not faked. */
  readonly swapTotal: number | undefined;
  readonly swapFree: number | undefined;
  /** Windows only: the commit limit and the commit charge. */
  readonly commitLimit?: number;
  readonly committed?: number;
}

export function emitMemory(m: MemoryStats, out: SampleSet): void {
  const used = m.total - m.available;
  out.add(MEMORY_TOTAL, m.total);
  out.add(MEMORY_AVAILABLE, m.available);
  out.add(MEMORY_USED, used);
  out.add(MEMORY_USED_RATIO, m.total > 0 ? used / m.total : 0);
  if (m.swapTotal !== undefined) out.add(SWAP_TOTAL, m.swapTotal);
  if (m.swapFree !== undefined) out.add(SWAP_FREE, m.swapFree);
  if (m.commitLimit !== undefined) out.add(COMMIT_LIMIT, m.commitLimit);
  if (m.committed !== undefined) out.add(COMMITTED, m.committed);
}

export class MemoryCollector implements Collector {
  readonly name = 'memory';

  constructor(
    private read: () => MemoryStats,
    /** Waited for once, within the first collection's deadline (Windows: WMI's first answer). */
    private ready?: (signal: AbortSignal) => Promise<unknown>,
  ) {}

  async collect(ctx: CollectContext, out: SampleSet): Promise<void> {
    if (this.ready) {
      await this.ready(ctx.signal);
      this.ready = undefined;
    }
    emitMemory(this.read(), out);
  }
}

export interface MemoryOptions {
  readonly procfs: string;
  readonly platform: NodeJS.Platform;
  readonly log: Logger;
  /** Windows: the WMI feed for page files and commit charge. */
  readonly cim?: CimFeed;
  /** Windows: injected source (tests) instead of os and the feed. */
  readonly windowsSource?: WindowsMemorySource;
}

export function createMemoryCollector(o: MemoryOptions): MemoryCollector {
  if (o.platform === 'linux') return new MemoryCollector(() => readMeminfo(o.procfs));
  if (o.windowsSource) return new MemoryCollector(() => windowsMemory(o.windowsSource!));
  if (o.platform !== 'win32') {
    // Other platforms: physical memory from os, no swap figures.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os = require('node:os') as typeof import('node:os');
    return new MemoryCollector(() => windowsMemory({ totalmem: os.totalmem, freemem: os.freemem, virtual: () => undefined }));
  }
  if (!o.cim) throw new Error('the Windows memory collector needs a WMI feed');
  const feed = o.cim;
  const src = cimMemorySource(feed);
  return new MemoryCollector(() => windowsMemory(src), (signal) => feed.firstWithin('memory', WMI_GRACE_MS, signal));
}

export const MEMORY: CollectorModule = {
  name: 'memory',
  defaultEnabled: true,
  noun: { en: 'memory', zh: '内存' },
  title: { en: 'Memory', zh: '内存' },
  flags: [],
  families: MEMORY_FAMILIES,
  create: (env) => createMemoryCollector({ procfs: env.procfs, platform: env.platform, log: env.log, cim: env.platform === 'win32' ? env.cim() : undefined }),
};
