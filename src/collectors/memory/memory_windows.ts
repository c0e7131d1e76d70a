import * as os from 'node:os';
import type { Logger } from '../../log';
import { BackgroundValue } from '../background';
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

/** os for physical memory, a background WMI refresh for swap. */
export function backgroundSwapSource(log: Logger, read: SwapReader = readSwapWithSysinfo): WindowsMemorySource & { close(): void } {
  const swap = new BackgroundValue('page-file figures', read, log);
  swap.start();
  return { totalmem: os.totalmem, freemem: os.freemem, swap: () => swap.latest, close: () => swap.close() };
}
