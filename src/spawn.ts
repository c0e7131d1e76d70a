import type { ChildProcess, SpawnOptions } from 'node:child_process';

/**
 * child_process.spawn, with node:child_process loaded on the first call rather than at start-up
 * (in a compiled Bun hello, loading it costs 1.1-1.9 ms). Most Linux hosts never spawn: only FUSE
 * mounts, and mounts asked while hung calls hold the pool, are asked in a child.
 */
export function spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:child_process') as typeof import('node:child_process')).spawn(command, args, options);
}
