import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { errorMessage, type Logger } from '../log';
import { loadWebConfig, type WebConfig } from './webconfig';

/** How often the web config and the files it names are checked for changes. */
const POLL_MS = 1_000;

/**
 * Re-reads the web config when it, or a certificate, key or CA file it names, changes (new
 * certificates without a restart). A file that does not load, or a change `apply` refuses, is
 * logged and the last good configuration stays in force. Returns a function that stops watching.
 */
export function watchWebConfig(file: string, initial: WebConfig, apply: (c: WebConfig) => void, log: Logger): () => void {
  let watched: readonly string[] = [];
  const onChange = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    let next: WebConfig;
    try {
      next = loadWebConfig(file);
    } catch (err) {
      log.error('web config reload failed; keeping the previous configuration', { file, err: errorMessage(err) });
      return;
    }
    try {
      apply(next);
    } catch (err) {
      log.warn('web config change refused; keeping the previous configuration', { file, err: errorMessage(err) });
      return;
    }
    log.info('web config reloaded', { file, tls: next.tls ? 'on' : 'off', basic_auth_users: next.users.size });
    watch(next.files);
  };
  const watch = (files: readonly string[]): void => {
    for (const f of watched) unwatchFile(f, onChange);
    watched = [...new Set(files)];
    for (const f of watched) watchFile(f, { interval: POLL_MS, persistent: false }, onChange);
  };
  watch(initial.files);
  return () => watch([]);
}
