import { readFileSync, statSync } from 'node:fs';
import type { BunFfi } from './threadpool';

// Start-up touches far more of the executable than serving does: Bun's loader, the flag and
// config parsers, FFI, the bytecode of every module. Those pages stay resident (RSS counts them)
// until the kernel needs memory, and the kernel maps them 64 KiB at a time (fault-around). Once
// the exporter listens, it drops its mappings of them: madvise(MADV_DONTNEED) on a read-only,
// never-modified private file mapping only unmaps; a page used again is mapped again from the
// page cache (a minor fault), byte for byte the same. Writable mappings, and any that hold a
// modified (copy-on-write) page, are left alone: for those the call would throw data away.

/** madvise(2) advice. */
const MADV_DONTNEED = 4;

/** What one pass handed back. */
export interface Released {
  /** Mappings of the executable advised. */
  readonly mappings: number;
  /** Resident file-backed memory (RssFile) before and after, in KiB. */
  readonly beforeKiB: number;
  readonly afterKiB: number;
}

/** Read-only, unmodified mappings of the file with inode `ino`, from /proc/self/smaps text. */
export function releasable(smaps: string, ino: number): Array<{ start: bigint; length: bigint }> {
  const out: Array<{ start: bigint; length: bigint; clean: boolean }> = [];
  let cur: { start: bigint; length: bigint; clean: boolean } | undefined;
  for (const line of smaps.split('\n')) {
    // start-end perms offset dev inode [path]
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ (\d+)/.exec(line);
    if (m) {
      cur = undefined;
      if (Number(m[4]) !== ino || m[3][1] === 'w' || m[3][3] !== 'p') continue;
      const start = BigInt(`0x${m[1]}`);
      cur = { start, length: BigInt(`0x${m[2]}`) - start, clean: false };
      out.push(cur);
      continue;
    }
    // Anonymous: the mapping's pages that are private copies (relocated, or written to).
    const a = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (a && cur) cur.clean = a[1] === '0';
  }
  return out.filter((x) => x.clean).map(({ start, length }) => ({ start, length }));
}

const rssFileKiB = (): number => Number(/^RssFile:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? 0);

/** Under Bun on Linux, drops the executable's resident pages (see above); undefined elsewhere. */
export function releaseStartupPages(): Released | undefined {
  if (!process.versions.bun || process.platform !== 'linux') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ffi = require('bun:ffi') as BunFfi;
  const { u64, i32 } = ffi.FFIType;
  const libc = ffi.dlopen('libc.so.6', { madvise: { args: [u64, u64, i32], returns: i32 } });
  try {
    const beforeKiB = rssFileKiB();
    let mappings = 0;
    for (const m of releasable(readFileSync('/proc/self/smaps', 'latin1'), statSync('/proc/self/exe').ino)) {
      if (libc.symbols.madvise(m.start, m.length, MADV_DONTNEED) === 0) mappings++;
    }
    return { mappings, beforeKiB, afterKiB: rssFileKiB() };
  } finally {
    libc.close();
  }
}
