import { DEFAULT_POOL_SIZE, sizeThreadPool } from './threadpool';

// The runtime sizes its thread pool once, on first use: before the rest of the program is
// even loaded. Nothing else is imported here: under Bun this first start only restarts.
sizeThreadPool(DEFAULT_POOL_SIZE);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require('./app') as typeof import('./app');
app.main(process.argv.slice(2)).catch((err: unknown) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./stdio') as typeof import('./stdio')).write(2, `sys-exporter: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
