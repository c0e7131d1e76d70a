import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/lib/steps';

export const WINE = '/usr/lib/wine/wine64';
/** Why wine tests cannot run here, or undefined. */
export const wineSkip = existsSync(WINE) ? undefined : `${WINE} is missing (Debian packages wine wine64)`;

/** The environment for a wine prefix in the project's cache, created on first use. */
export function wineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env, WINEPREFIX: join(ROOT, '.cache', 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'winemenubuilder.exe=d' };
  if (!existsSync(join(env.WINEPREFIX, 'system.reg'))) {
    spawnSync('wineboot', ['-i'], { env, stdio: 'ignore', timeout: 120_000 });
    // A fresh prefix claims Windows 7, where Node 22 refuses to start: set Windows 10.
    spawnSync(WINE, ['winecfg', '/v', 'win10'], { env, stdio: 'ignore', timeout: 60_000 });
  }
  return env;
}
