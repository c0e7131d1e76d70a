import type { CimFeed } from '../cim_windows';
import { identical, whenChanged } from '../when_changed';
import type { MemoryStats } from './index';

/** Page files and commit charge, in bytes. */
export interface VirtualMemory {
  readonly swapTotal: number;
  readonly swapFree: number;
  readonly commitLimit: number;
  readonly committed: number;
}

export interface WindowsMemorySource {
  totalmem(): number;
  freemem(): number;
  /** The latest page-file and commit figures from WMI, if recent. */
  virtual(): VirtualMemory | undefined;
}

/** What the memory collector asks WMI (all in KiB), run by the shared PowerShell (cim_windows.ts). */
export const MEMORY_QUERY = {
  memory: 'Get-CimInstance -ClassName Win32_OperatingSystem -OperationTimeoutSec 30 | Select-Object TotalVirtualMemorySize,FreeVirtualMemory,SizeStoredInPagingFiles,FreeSpaceInPagingFiles',
} as const;

const kib = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v * 1024 : undefined);

/**
 * Win32_OperatingSystem's figures: TotalVirtualMemorySize is the commit limit (RAM plus page
 * files), FreeVirtualMemory what is left of it, so committed bytes are the difference (what
 * Task Manager shows as "Committed"); the page files are SizeStoredInPagingFiles and
 * FreeSpaceInPagingFiles. Undefined when the row lacks any of them.
 */
export function virtualMemoryFromCim(rows: unknown): VirtualMemory | undefined {
  const r = (Array.isArray(rows) ? rows[0] : undefined) as Record<string, unknown> | undefined;
  if (!r) return undefined;
  const limit = kib(r.TotalVirtualMemorySize);
  const free = kib(r.FreeVirtualMemory);
  const swapTotal = kib(r.SizeStoredInPagingFiles);
  const swapFree = kib(r.FreeSpaceInPagingFiles);
  if (limit === undefined || free === undefined || swapTotal === undefined || swapFree === undefined || free > limit) return undefined;
  return { swapTotal, swapFree, commitLimit: limit, committed: limit - free };
}

/**
 * Physical memory from GlobalMemoryStatusEx (what os.totalmem/os.freemem return on Windows):
 * instant, no process, read on each scrape. Page files and commit charge come from the WMI feed
 * and are left out, not faked, until it has answered.
 */
export function windowsMemory(src: WindowsMemorySource): MemoryStats {
  const v = src.virtual();
  return { total: src.totalmem(), available: src.freemem(), swapTotal: v?.swapTotal, swapFree: v?.swapFree, commitLimit: v?.commitLimit, committed: v?.committed };
}

export function cimMemorySource(feed: CimFeed): WindowsMemorySource {
  // node:os here, not at start-up: Linux never needs it (in a compiled Bun hello it costs 0.3-1.0 ms).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('node:os') as typeof import('node:os');
  for (const [name, pipeline] of Object.entries(MEMORY_QUERY)) feed.register(name, pipeline);
  const fromCim = whenChanged(identical, (o: { rows: unknown }) => virtualMemoryFromCim(o.rows));
  return {
    totalmem: os.totalmem,
    freemem: os.freemem,
    virtual: () => {
      const o = feed.get('memory');
      return o && 'rows' in o ? fromCim(o) : undefined;
    },
  };
}
