import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { assetText } from '../sea_assets';

// True in the standalone build (esbuild define), where the bundled bcrypt_worker.ts is the
// asset "bcrypt-worker"; from source the compiled worker file next to this one is used.
declare const __SEA__: boolean | undefined;

/** A cost-10 hash of a random password: unknown users are checked against it, so that a
 * request for a user that does not exist costs as much time as one with a wrong password. */
const DUMMY_HASH = '$2b$10$7EqJtq98hPqEX7fNZaFWoOa5YoIpt9yPt7B3Ecrsgq9xZ6cLmkpvq';

const CACHE_TTL_MS = 10 * 60_000;
const CACHE_MAX = 1000;
/** Verifications waiting for the worker; beyond this a request is refused, not queued. */
const MAX_PENDING = 64;

/** bcrypt comparisons on a worker thread, one at a time, never on the event loop. */
export class BcryptVerifier {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  get busy(): boolean {
    return this.pending.size >= MAX_PENDING;
  }

  compare(password: string, hash: string): Promise<boolean> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      w.postMessage({ id, password, hash });
    });
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const src = typeof __SEA__ === 'boolean' && __SEA__ ? assetText('bcrypt-worker') : undefined;
    // Required here: without basic_auth_users neither worker_threads nor crypto is ever loaded.
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const w = src ? new Worker(src, { eval: true }) : new Worker(join(__dirname, 'bcrypt_worker.js'));
    w.unref();
    w.on('message', (m: { id: number; ok: boolean }) => {
      this.pending.get(m.id)?.(m.ok);
      this.pending.delete(m.id);
    });
    w.on('error', () => this.failAll());
    w.on('exit', () => {
      this.failAll();
      if (this.worker === w) this.worker = undefined;
    });
    this.worker = w;
    return w;
  }

  private failAll(): void {
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
  }
}

export type AuthResult = 'ok' | 'denied' | 'busy';

/** HTTP basic auth against bcrypt hashes, with verified credentials cached. */
export class BasicAuth {
  private readonly cache = new Map<string, number>(); // credential digest -> expiry

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly verifier: BcryptVerifier,
  ) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  async check(authorization: string | undefined): Promise<AuthResult> {
    if (!this.enabled) return 'ok';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    const hash = this.users.get(user);
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const digest = createHash('sha256').update(`${user}\0${password}\0${hash ?? ''}`).digest('hex');
    const expiry = this.cache.get(digest);
    if (hash && expiry !== undefined && expiry > Date.now()) return 'ok';
    if (this.verifier.busy) return 'busy';
    // Unknown or missing users pay for a comparison too, so timing does not tell them apart.
    const ok = await this.verifier.compare(password, hash ?? DUMMY_HASH);
    if (!ok || !hash) return 'denied';
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, Date.now() + CACHE_TTL_MS);
    return 'ok';
  }
}
