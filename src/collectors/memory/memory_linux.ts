import { readFileSync } from 'node:fs';
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

/**
 * Parses /proc/meminfo (values in kB). Kernels before 3.14 have no MemAvailable: there it is
 * estimated as procps does, MemFree + Buffers + Cached + SReclaimable, capped at MemTotal.
 */
export function parseMeminfo(text: string): MemoryStats {
  const need = (k: string): number => {
    const v = field(text, k);
    if (v === undefined) throw new Error(`meminfo has no ${k} field`);
    return v * 1024;
  };
  const total = need('MemTotal');
  const avail = field(text, 'MemAvailable');
  const available =
    avail !== undefined
      ? avail * 1024
      : Math.min(total, need('MemFree') + ((field(text, 'Buffers') ?? 0) + (field(text, 'Cached') ?? 0) + (field(text, 'SReclaimable') ?? 0)) * 1024);
  return { total, available, swapTotal: need('SwapTotal'), swapFree: need('SwapFree') };
}

/** Synchronous read: procfs answers from kernel memory and never blocks on I/O. */
export function readMeminfo(procfs: string): MemoryStats {
  return parseMeminfo(readFileSync(join(procfs, 'meminfo'), 'utf8'));
}
