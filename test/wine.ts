import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/lib/steps';

// Windows tests run under wine 10 from a Debian 13 root (test/windows/wine10.sh says why and
// how): these are links to that script, one per wine command.
const BIN = join(ROOT, 'test', 'windows');
export const WINE = join(BIN, 'wine64');
export const WINESERVER = join(BIN, 'wineserver');
const WINEBOOT = join(BIN, 'wineboot');
/** The Debian 13 root the wine commands run in (made by scripts/test-deps.sh). */
export const WINE_ROOT = process.env.SYS_EXPORTER_WINE_ROOT ?? '/var/cache/sys-exporter/trixie-wine';
/** Why wine tests cannot run here, or undefined. */
export const wineSkip = existsSync(join(WINE_ROOT, 'usr', 'lib', 'wine', 'wine64')) ? undefined : `${WINE_ROOT} has no wine 10 (bash test/windows/wine10.sh setup)`;

/** The environment for a wine prefix in the project's cache, created on first use. */
export function wineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env, WINEPREFIX: join(ROOT, '.cache', 'wine10'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'winemenubuilder.exe=d' };
  if (!existsSync(join(env.WINEPREFIX, 'system.reg'))) {
    spawnSync(WINEBOOT, ['-i'], { env, stdio: 'ignore', timeout: 180_000 });
    // Node 24 needs Windows 10 / Server 2016: say so, whatever the prefix claims by default.
    spawnSync(WINE, ['winecfg', '/v', 'win10'], { env, stdio: 'ignore', timeout: 60_000 });
  }
  return env;
}
