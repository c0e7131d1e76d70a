// The scripts' file helpers: one sha256, and one way to write a file so that its real name never
// holds half of it (a build or download killed midway leaves only a temporary name behind).
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
export const sha256File = (path: string): string => sha256(readFileSync(path));

/** The temporary name a file is made under before it is renamed into place. */
export const partial = (path: string): string => `${path}.partial`;

/**
 * Makes `path` under its temporary name with `make`, then renames it into place; on failure the
 * temporary file is removed and the error goes on. A rename within one folder is atomic.
 */
export async function atomically<T>(path: string, make: (tmp: string) => T | Promise<T>): Promise<T> {
  const tmp = partial(path);
  rmSync(tmp, { force: true });
  try {
    const r = await make(tmp);
    renameSync(tmp, path);
    return r;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** writeFileSync, atomically. */
export function writeAtomic(path: string, data: Buffer | string, mode?: number): void {
  const tmp = partial(path);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
