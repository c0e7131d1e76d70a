import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryStats } from './index';

/**
 * Parses /proc/meminfo (values in kB). Kernels before 3.14 have no MemAvailable: there it is
 * estimated as procps does, MemFree + Buffers + Cached + SReclaimable, capped at MemTotal.
 */
export function parseMeminfo(text: string): MemoryStats {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const need = (k: string): number => {
    const v = kb.get(k);
    if (v === undefined) throw new Error(`meminfo has no ${k} field`);
    return v * 1024;
  };
  const total = need('MemTotal');
  const available =
    kb.has('MemAvailable')
      ? need('MemAvailable')
      : Math.min(total, need('MemFree') + ((kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0) + (kb.get('SReclaimable') ?? 0)) * 1024);
  return { total, available, swapTotal: need('SwapTotal'), swapFree: need('SwapFree') };
}

/** Synchronous read: procfs answers from kernel memory and never blocks on I/O. */
export function readMeminfo(procfs: string): MemoryStats {
  return parseMeminfo(readFileSync(join(procfs, 'meminfo'), 'utf8'));
}
