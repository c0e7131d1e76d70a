import * as os from 'node:os';
import type { Logger } from '../../log';
import { errorMessage } from '../../log';
import type { MemoryStats } from './index';

export interface SwapStats {
  readonly total: number;
  readonly free: number;
}

export interface WindowsMemorySource {
  totalmem(): number;
  freemem(): number;
  /** Latest page-file figures from the background refresh, if one has succeeded yet. */
  swap(): SwapStats | undefined;
}

/**
 * Physical memory from GlobalMemoryStatusEx (what os.totalmem/os.freemem return on Windows):
 * instant, no process. Swap (page files) needs WMI, i.e. a PowerShell process, so it is read in
 * the background and the scrape only uses the cached value.
 */
export function windowsMemory(src: WindowsMemorySource): MemoryStats {
  const total = src.totalmem();
  const swap = src.swap();
  return { total, available: src.freemem(), swapTotal: swap?.total, swapFree: swap?.free };
}

export type SwapReader = () => Promise<SwapStats>;

/** systeminformation's mem() runs `Get-CimInstance Win32_PageFileUsage` on Windows. */
export const readSwapWithSysinfo: SwapReader = async () => {
  // Loaded on first use so that Linux hosts never pay for systeminformation's modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const si = require('systeminformation/lib/memory') as { mem(): Promise<{ swaptotal: number; swapfree: number }> };
  const m = await si.mem();
  return { total: m.swaptotal, free: m.swapfree };
};

/** Refreshes swap figures on a timer, off the scrape path. */
export class BackgroundSwap implements WindowsMemorySource {
  private latest: SwapStats | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly read: SwapReader,
    private readonly log: Logger,
    private readonly refreshMs = 60_000,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.latest = await this.read();
    } catch (err) {
      this.log.debug('swap refresh failed', { err: errorMessage(err) });
    } finally {
      this.running = false;
    }
  }

  totalmem(): number {
    return os.totalmem();
  }

  freemem(): number {
    return os.freemem();
  }

  swap(): SwapStats | undefined {
    return this.latest;
  }
}
