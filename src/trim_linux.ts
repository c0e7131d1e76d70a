import { readFileSync, statSync } from 'node:fs';
import type { BunFfi } from './threadpool';

// Start-up touches far more of the executable than serving does: Bun's loader, the flag and
// config parsers, FFI, the bytecode of every module. Those pages stay resident (RSS counts them)
// until the kernel needs memory, and the kernel maps them 64 KiB at a time (fault-around). Once
// the exporter listens, it drops its mappings of them: madvise(MADV_DONTNEED) on a read-only,
// never-modified private file mapping only unmaps; a page used again is mapped again from the
// page cache (a minor fault), byte for byte the same. Writable mappings, and any that hold a
// modified (copy-on-write) page, resident or swapped out, are left alone: for those the call
// would throw data away. Nothing in the process writes to these mappings meanwhile.

/** madvise(2) advice. */
const MADV_DONTNEED = 4;

/** What one pass handed back. */
export interface Released {
  /** Mappings of the executable advised. */
  readonly mappings: number;
  /** Their resident memory (smaps Rss) before and after, in KiB. */
  readonly beforeKiB: number;
  readonly afterKiB: number;
}

interface Mapping {
  readonly start: bigint;
  readonly length: bigint;
  /** Resident KiB. */
  readonly rss: number;
}

/**
 * Read-only private mappings of the file with inode `ino`, from /proc/self/smaps text, each with
 * whether it holds no private copy of a page: none resident (Anonymous) and none swapped out
 * (Swap: a relocated page that went to swap shows only there).
 */
export function executableMappings(smaps: string, ino: bigint): Array<Mapping & { clean: boolean }> {
  const out: Array<{ start: bigint; length: bigint; rss: number; anon?: number; swap?: number }> = [];
  let cur: (typeof out)[number] | undefined;
  for (const line of smaps.split('\n')) {
    // start-end perms offset dev inode [path]; the device is not compared: overlayfs and btrfs
    // show another one than stat() does.
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ (\d+)/.exec(line);
    if (m) {
      cur = undefined;
      if (BigInt(m[4]) !== ino || m[3][1] === 'w' || m[3][3] !== 'p') continue;
      const start = BigInt(`0x${m[1]}`);
      cur = { start, length: BigInt(`0x${m[2]}`) - start, rss: 0 };
      out.push(cur);
      continue;
    }
    const f = /^(Rss|Anonymous|Swap):\s+(\d+) kB/.exec(line);
    if (!f || !cur) continue;
    if (f[1] === 'Rss') cur.rss = Number(f[2]);
    else if (f[1] === 'Anonymous') cur.anon = Number(f[2]);
    else cur.swap = Number(f[2]);
  }
  return out.map(({ start, length, rss, anon, swap }) => ({ start, length, rss, clean: anon === 0 && swap === 0 }));
}

/** The mappings whose pages can be dropped without losing a byte. */
export const releasable = (smaps: string, ino: bigint): Array<{ start: bigint; length: bigint }> =>
  executableMappings(smaps, ino).filter((m) => m.clean).map(({ start, length }) => ({ start, length }));

const residentKiB = (ino: bigint, which: ReadonlyArray<{ start: bigint }>): number =>
  executableMappings(readFileSync('/proc/self/smaps', 'latin1'), ino).filter((m) => which.some((w) => w.start === m.start)).reduce((n, m) => n + m.rss, 0);

/** Under Bun on Linux, drops the executable's resident pages (see above); undefined elsewhere. */
export function releaseStartupPages(): Released | undefined {
  if (!process.versions.bun || process.platform !== 'linux') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ffi = require('bun:ffi') as BunFfi;
  const { u64, i32 } = ffi.FFIType;
  const libc = ffi.dlopen('libc.so.6', { madvise: { args: [u64, u64, i32], returns: i32 } });
  try {
    const ino = statSync('/proc/self/exe', { bigint: true }).ino;
    const all = executableMappings(readFileSync('/proc/self/smaps', 'latin1'), ino);
    const advised = all.filter((m) => m.clean && libc.symbols.madvise(m.start, m.length, MADV_DONTNEED) === 0);
    return { mappings: advised.length, beforeKiB: advised.reduce((n, m) => n + m.rss, 0), afterKiB: residentKiB(ino, advised) };
  } finally {
    libc.close();
  }
}
