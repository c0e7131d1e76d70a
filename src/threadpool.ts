// The size of the runtime's async thread pool, set before anything uses it.
//
// A larger pool leaves room for statfs calls hung on dead mounts (see statfs_gate.ts). Node
// (libuv) and Bun (the Linux executable) both size their pool from UV_THREADPOOL_SIZE when it
// first starts. Node reads process.env, so setting it here is enough. Bun reads the C
// environment, which process.env writes do not reach, so under Bun the variable is also set
// with libc's setenv() through bun:ffi. A value the user set is kept.

/** What bun:ffi offers that this needs (the runtime's own types are not a dependency). */
interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: readonly unknown[]; returns: unknown }>): { symbols: Record<string, (...a: unknown[]) => number>; close(): void };
  ptr(b: Uint8Array): unknown;
  FFIType: Record<string, unknown>;
}

/** Why the pool could not be sized, for the log (main.ts runs before there is a logger). */
export let poolWarning: string | undefined;

/** Sets UV_THREADPOOL_SIZE unless already set; on failure leaves poolWarning. */
export function sizeThreadPool(size: number): void {
  if (process.env.UV_THREADPOOL_SIZE) return;
  process.env.UV_THREADPOOL_SIZE = String(size);
  if (!process.versions.bun) return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ffi = require('bun:ffi') as BunFfi;
    const { cstring, i32 } = ffi.FFIType;
    const libc = ffi.dlopen('libc.so.6', { setenv: { args: [cstring, cstring, i32], returns: i32 } });
    const z = (s: string): unknown => ffi.ptr(Buffer.from(`${s}\0`));
    const rc = libc.symbols.setenv(z('UV_THREADPOOL_SIZE'), z(String(size)), 1);
    libc.close();
    if (rc !== 0) throw new Error(`setenv returned ${rc}`);
  } catch (err) {
    delete process.env.UV_THREADPOOL_SIZE; // the pool keeps the runtime's default: say so truthfully
    poolWarning = `cannot size the thread pool to ${size} (${err instanceof Error ? err.message : String(err)}); set UV_THREADPOOL_SIZE=${size} in the service's environment`;
  }
}
