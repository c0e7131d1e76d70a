import { readBounded } from '../../read_file';
import { join } from 'node:path';
import type { MemoryStats } from './index';

/**
 * The kB value of one meminfo field, or undefined. Looks only for the fields it is asked for:
 * splitting all ~55 lines and matching each was the largest allocation of a scrape after the
 * rendering itself.
 */
function field(text: string, key: string): number | undefined {
  // A field starts a line; "\nCached:" does not match "SwapCached:".
  let i = text.startsWith(key) && text.charCodeAt(key.length) === 58 /* : */ ? 0 : text.indexOf(`\n${key}:`);
  if (i < 0) return undefined;
  i += (i === 0 ? 0 : 1) + key.length + 1;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  let v = 0;
  const start = i;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) v = v * 10 + (c - 48);
  return i > start ? v : undefined;
}

/** What si_mem_available() takes from the zones, in pages. */
export interface ZoneReserves {
  /** Sum of every zone's low watermark. */
  readonly wmarkLow: number;
  /** calculate_totalreserve_pages(): per zone, its largest lowmem reserve plus its high watermark, at most its pages. */
  readonly totalReserve: number;
}

/**
 * Parses /proc/zoneinfo for the reserves the kernel keeps back from MemAvailable. Zones without
 * a "managed" line (kernels before 3.x) are capped by "present". Per-CPU lines ("high:  186")
 * have a colon and are not the zone's watermarks.
 */
export function parseZoneinfo(text: string): ZoneReserves {
  let wmarkLow = 0;
  let totalReserve = 0;
  for (const zone of text.split(/^Node \d+, zone/m).slice(1)) {
    const num = (key: string): number | undefined => {
      const m = new RegExp(`^\\s+${key}\\s+(\\d+)$`, 'm').exec(zone);
      return m ? Number(m[1]) : undefined;
    };
    const protection = /^\s+protection: \(([\d, ]*)\)$/m.exec(zone);
    const maxReserve = protection ? Math.max(0, ...protection[1].split(',').map(Number)) : 0;
    const pages = num('managed') ?? num('present') ?? 0;
    wmarkLow += num('low') ?? 0;
    totalReserve += Math.min(maxReserve + (num('high') ?? 0), pages);
  }
  return { wmarkLow, totalReserve };
}

/**
 * MemAvailable as the kernel computes it (mm/show_mem.c si_mem_available, the 3.14 formula):
 * free pages less the reserves, plus the page cache and the reclaimable kernel memory, each less
 * the smaller of its half and the low watermarks. All in bytes; the zone figures in pages.
 */
export function estimateAvailable(text: string, zones: ZoneReserves | undefined, pageSize: number): number {
  const kb = (k: string): number | undefined => {
    const v = field(text, k);
    return v === undefined ? undefined : v * 1024;
  };
  const low = (zones?.wmarkLow ?? 0) * pageSize;
  const fileLru = kb('Active(file)');
  // Kernels before 2.6.28 have no file LRU lines: their page cache is Cached.
  let pagecache = fileLru !== undefined ? fileLru + (kb('Inactive(file)') ?? 0) : (kb('Cached') ?? 0);
  pagecache -= Math.min(pagecache / 2, low);
  let reclaimable = kb('KReclaimable') ?? kb('SReclaimable') ?? 0;
  reclaimable -= Math.min(reclaimable / 2, low);
  const available = (kb('MemFree') ?? 0) - (zones?.totalReserve ?? 0) * pageSize + pagecache + reclaimable;
  return Math.max(0, Math.round(available));
}

/**
 * Parses /proc/meminfo (values in kB). Kernels before 3.14 have no MemAvailable: there it is
 * estimated with the kernel's own formula from `zoneinfo` (see estimateAvailable); without
 * zoneinfo, reserves and watermarks count as zero. A meminfo without swap lines (no swap
 * support in the kernel) leaves the swap families out. Available is capped at MemTotal.
 */
export function parseMeminfo(text: string, zoneinfo?: () => string | undefined): MemoryStats {
  const need = (k: string): number => {
    const v = field(text, k);
    if (v === undefined) throw new Error(`meminfo has no ${k} field`);
    return v * 1024;
  };
  const opt = (k: string): number | undefined => {
    const v = field(text, k);
    return v === undefined ? undefined : v * 1024;
  };
  const total = need('MemTotal');
  let available = opt('MemAvailable');
  if (available === undefined) {
    need('MemFree');
    const z = zoneinfo?.();
    available = estimateAvailable(text, z === undefined ? undefined : parseZoneinfo(z), PAGE_SIZE);
  }
  return { total, available: Math.min(available, total), swapTotal: opt('SwapTotal'), swapFree: opt('SwapFree') };
}

/** Kernels without MemAvailable run on x86 with 4 KiB pages. */
const PAGE_SIZE = 4096;

/** Bound of meminfo and zoneinfo (zoneinfo grows with NUMA nodes and CPUs: about 1 MiB on 256). */
const PROC_MAX = 16 * 1024 * 1024;

/**
 * Synchronous read: procfs answers from kernel memory and never blocks on I/O. Only regular
 * files, bounded (--path.procfs could point at a FIFO or /dev/zero: see readBounded).
 */
export function readMeminfo(procfs: string): MemoryStats {
  return parseMeminfo(readBounded(join(procfs, 'meminfo'), PROC_MAX).toString('utf8'), () => {
    try {
      return readBounded(join(procfs, 'zoneinfo'), PROC_MAX).toString('utf8');
    } catch {
      return undefined;
    }
  });
}
