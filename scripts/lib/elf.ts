import { execFileSync } from 'node:child_process';

/**
 * What an ELF executable asks of the host's loader, read with readelf (which reads any
 * architecture): the symbol versions it needs (GLIBC_2.17, GLIBCXX_3.4.19, ...) and its NEEDED
 * libraries.
 */
export function loaderNeeds(file: string): { versions: string[]; libs: string[] } {
  const v = execFileSync('readelf', ['--version-info', '--wide', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const d = execFileSync('readelf', ['--dynamic', '--wide', file], { encoding: 'utf8' });
  // Only the "needed" section (.gnu.version_r) says what the host must provide.
  const needed = v.slice(v.indexOf('.gnu.version_r'));
  return {
    versions: [...new Set([...needed.matchAll(/Name: (GLIBC(?:XX)?_[\d.]+)/g)].map((m) => m[1]))],
    libs: [...d.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
  };
}

/** Compares dotted version numbers ("2.17" < "2.28", "3.4.9" < "3.4.19"). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The newest of `versions` for a library prefix ("GLIBC" takes GLIBC_*, not GLIBCXX_*), or undefined. */
export function newestVersion(versions: readonly string[], lib: 'GLIBC' | 'GLIBCXX'): string | undefined {
  const nums = versions.filter((v) => v.startsWith(`${lib}_`)).map((v) => v.slice(lib.length + 1));
  return nums.length ? `${lib}_${nums.sort(compareVersions)[nums.length - 1]}` : undefined;
}
