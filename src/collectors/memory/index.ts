import * as os from 'node:os';
import type { Collector, CollectContext } from '../collector';
import type { Logger } from '../../log';
import { MEMORY_AVAILABLE, MEMORY_TOTAL, MEMORY_USED, MEMORY_USED_RATIO, SWAP_FREE, SWAP_TOTAL } from '../../metrics/catalog';
import type { SampleSet } from '../../metrics/samples';
import { readMeminfo } from './memory_linux';
import { backgroundSwapSource, windowsMemory, type WindowsMemorySource } from './memory_windows';

export interface MemoryStats {
  readonly total: number;
  readonly available: number;
  /** Undefined where swap is not known (yet): the families are then left out, not faked. */
  readonly swapTotal: number | undefined;
  readonly swapFree: number | undefined;
}

export function emitMemory(m: MemoryStats, out: SampleSet): void {
  const used = m.total - m.available;
  out.add(MEMORY_TOTAL, m.total);
  out.add(MEMORY_AVAILABLE, m.available);
  out.add(MEMORY_USED, used);
  out.add(MEMORY_USED_RATIO, m.total > 0 ? used / m.total : 0);
  if (m.swapTotal !== undefined) out.add(SWAP_TOTAL, m.swapTotal);
  if (m.swapFree !== undefined) out.add(SWAP_FREE, m.swapFree);
}

export class MemoryCollector implements Collector {
  readonly name = 'memory';

  constructor(
    private readonly read: () => MemoryStats,
    private readonly onClose?: () => void,
  ) {}

  async collect(_ctx: CollectContext, out: SampleSet): Promise<void> {
    emitMemory(this.read(), out);
  }

  close(): void {
    this.onClose?.();
  }
}

export interface MemoryOptions {
  readonly procfs: string;
  readonly platform: NodeJS.Platform;
  readonly log: Logger;
  /** Windows: injected source (tests); defaults to os + background page-file refresh. */
  readonly windowsSource?: WindowsMemorySource;
}

export function createMemoryCollector(o: MemoryOptions): MemoryCollector {
  if (o.platform === 'linux') return new MemoryCollector(() => readMeminfo(o.procfs));
  if (o.windowsSource) return new MemoryCollector(() => windowsMemory(o.windowsSource!));
  if (o.platform !== 'win32') {
    // Other platforms: physical memory from os, no swap figures.
    return new MemoryCollector(() => windowsMemory({ totalmem: os.totalmem, freemem: os.freemem, swap: () => undefined }));
  }
  const src = backgroundSwapSource(o.log);
  return new MemoryCollector(() => windowsMemory(src), () => src.close());
}
