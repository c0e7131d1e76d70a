// The runtime's start-time settings, set before anything uses them.
//
// A larger thread pool leaves room for statfs calls hung on dead mounts (see statfs_gate.ts).
// Node (libuv) and Bun (the Linux executable) both size their pool from UV_THREADPOOL_SIZE when
// it first starts. Node reads process.env, so setting it here is enough. Bun reads the C
// environment, which process.env writes do not reach, and JavaScriptCore reads its options
// (BUN_JSC_*) only as the VM starts. So under Bun the executable runs itself again in place
// (execve of /proc/self/exe: the same pid, argv and executable, which BlueKing's stop.sh and
// systemd go by) with those variables set, before anything listens or logs; RUNTIME_SET in the
// environment marks the second start, so it cannot loop. Where that fails, the pool is sized
// with libc's setenv() and the JIT keeps its defaults. Values the user set are kept.

/** What bun:ffi offers that this needs (the runtime's own types are not a dependency). */
export interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: readonly unknown[]; returns: unknown }>): { symbols: Record<string, (...a: unknown[]) => number>; close(): void };
  ptr(b: ArrayBufferView): number;
  FFIType: Record<string, unknown>;
}

/** The pool's size when the user has not set UV_THREADPOOL_SIZE: room for statfs calls hung on dead mounts. */
export const DEFAULT_POOL_SIZE = 32;

/** Set in the environment of the in-place restart. */
const RUNTIME_SET = 'SYS_EXPORTER_RUNTIME_SET';

/**
 * JavaScriptCore's optimizing tiers: DFG and FTL hold 12-17 MB of compiled code and compiler
 * memory after load for a few percent of CPU on this workload (bench/results.md has the table).
 */
export const JSC_OPTIONS: Readonly<Record<string, string>> = { BUN_JSC_useDFGJIT: '0' };

/** Why the pool could not be sized, for the log (main.ts runs before there is a logger). */
export let poolWarning: string | undefined;

const cstrings = (ffi: BunFfi, strings: readonly string[]): { keep: Buffer[]; array: BigUint64Array } => {
  const keep = strings.map((s) => Buffer.from(`${s}\0`));
  const array = new BigUint64Array(keep.length + 1);
  keep.forEach((b, i) => (array[i] = BigInt(ffi.ptr(b))));
  return { keep, array };
};

/** Under Bun: the same executable again, in place, with `env` added; returns only if execve failed. */
function restartWith(ffi: BunFfi, env: Record<string, string>): string {
  // The argv this process was started with. In the standalone executable: argv[0] as given is
  // process.argv0, and process.argv starts with "bun" and the embedded script (/$bunfs/...); this
  // spares the first start node:fs, 1.5-2 ms. Run as `bun [flags] main.js`, Bun's own flags are
  // in no process.* field: /proc/self/cmdline has them.
  const argv = process.argv[1]?.startsWith('/$bunfs/')
    ? [process.argv0, ...process.argv.slice(2)]
    : // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./procfs_linux') as typeof import('./procfs_linux')).readArgv('/proc', 'self');
  const vars = { ...process.env, ...env, [RUNTIME_SET]: '1' };
  const { cstring, ptr, i32 } = ffi.FFIType;
  const libc = ffi.dlopen('libc.so.6', { execve: { args: [cstring, ptr, ptr], returns: i32 } });
  const a = cstrings(ffi, argv);
  const e = cstrings(ffi, Object.entries(vars).map(([k, v]) => `${k}=${v ?? ''}`));
  const rc = libc.symbols.execve(ffi.ptr(Buffer.from('/proc/self/exe\0')), ffi.ptr(a.array), ffi.ptr(e.array));
  libc.close();
  return `execve returned ${rc} (${a.keep.length} args)`;
}

function setenv(ffi: BunFfi, name: string, value: string): void {
  const { cstring, i32 } = ffi.FFIType;
  const libc = ffi.dlopen('libc.so.6', { setenv: { args: [cstring, cstring, i32], returns: i32 } });
  const z = (s: string): number => ffi.ptr(Buffer.from(`${s}\0`));
  const rc = libc.symbols.setenv(z(name), z(value), 1);
  libc.close();
  if (rc !== 0) throw new Error(`setenv returned ${rc}`);
}

/** Sets UV_THREADPOOL_SIZE unless already set, and under Bun the JIT options; on failure leaves poolWarning. */
export function sizeThreadPool(size: number): void {
  if (process.versions.bun && process.env[RUNTIME_SET] === '1') {
    delete process.env[RUNTIME_SET]; // the second start: everything is in place
    return;
  }
  const wanted: Record<string, string> = {};
  if (!process.env.UV_THREADPOOL_SIZE) wanted.UV_THREADPOOL_SIZE = String(size);
  if (!process.versions.bun) {
    Object.assign(process.env, wanted);
    return;
  }
  for (const [k, v] of Object.entries(JSC_OPTIONS)) if (process.env[k] === undefined) wanted[k] = v;
  if (Object.keys(wanted).length === 0) return;
  let why = '';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ffi = require('bun:ffi') as BunFfi;
    why = restartWith(ffi, wanted);
    if (wanted.UV_THREADPOOL_SIZE) {
      setenv(ffi, 'UV_THREADPOOL_SIZE', wanted.UV_THREADPOOL_SIZE);
      process.env.UV_THREADPOOL_SIZE = wanted.UV_THREADPOOL_SIZE;
    }
  } catch (err) {
    delete process.env.UV_THREADPOOL_SIZE; // the pool keeps the runtime's default: say so truthfully
    poolWarning = `cannot size the thread pool to ${size} (${why ? `${why}; ` : ''}${err instanceof Error ? err.message : String(err)}); set UV_THREADPOOL_SIZE=${size} in the service's environment`;
  }
}
