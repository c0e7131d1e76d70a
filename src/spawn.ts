import type { ChildProcess, SpawnOptions } from 'node:child_process';

/**
 * child_process.spawn, with node:child_process loaded on the first call rather than at start-up:
 * under Bun, loading it costs 1.2-1.9 ms of every start, and most hosts never spawn (on Linux only
 * FUSE and network mounts are asked in a child; on Windows the WMI feed starts after listening).
 */
export function spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:child_process') as typeof import('node:child_process')).spawn(command, args, options);
}
