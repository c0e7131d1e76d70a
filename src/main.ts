import { DEFAULT_POOL_SIZE } from './collectors/disk/statfs_gate';

// libuv sizes its thread pool once, on first use. A larger pool leaves room for statfs calls
// hung on dead mounts (see statfs_gate.ts); it must be set before anything touches the pool,
// hence before the rest of the program is even loaded. A value set by the user is kept.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(DEFAULT_POOL_SIZE);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require('./app') as typeof import('./app');
app.main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`sys-exporter: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
