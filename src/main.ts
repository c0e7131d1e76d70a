import { DEFAULT_POOL_SIZE } from './collectors/disk/statfs_gate';
import { write as writeStdio } from './stdio';
import { sizeThreadPool } from './threadpool';

// The runtime sizes its thread pool once, on first use: before the rest of the program is
// even loaded.
sizeThreadPool(DEFAULT_POOL_SIZE);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require('./app') as typeof import('./app');
app.main(process.argv.slice(2)).catch((err: unknown) => {
  writeStdio(2, `sys-exporter: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
