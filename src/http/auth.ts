import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { workerSource } from '../sea_assets';

/** Bun's native password hashing (the Linux executables); bun-types is not a dependency. */
declare const Bun: { password: { verify(password: string, hash: string): Promise<boolean> } };

// In a standalone executable the bundled bcrypt_worker.ts runs from a string (sea_assets.ts);
// from source the compiled worker file next to this one is used.

/** A cost-10 hash of a random password: with no users configured yet, unknown users are checked against it. */
const DUMMY_HASH = '$2b$10$7EqJtq98hPqEX7fNZaFWoOa5YoIpt9yPt7B3Ecrsgq9xZ6cLmkpvq';

const CACHE_TTL_MS = 10 * 60_000;
const CACHE_MAX = 1000;

/**
 * Who waits for the bcrypt worker, most deserving first: users who logged in before (0),
 * configured users (1), names no user has (2). A flood of wrong passwords cannot keep a real
 * user out: it fills its own buckets and class, and configured users are served first.
 */
export type Priority = 0 | 1 | 2;
/** Waiting checks per class; past it, 503. Unknown names get the smallest share. */
const CLASS_MAX: readonly number[] = [64, 64, 32];
/** Waiting checks per bucket (one user name from one client address). */
const BUCKET_MAX = 8;

interface Job {
  readonly password: string;
  readonly hash: string;
  readonly resolve: (ok: boolean) => void;
}

/**
 * bcrypt comparisons on a worker thread, one at a time, never on the event loop, taken from
 * the waiting checks by priority and round-robin across buckets.
 */
export class BcryptVerifier {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  /** Per class: bucket -> its waiting checks; Map order is the round-robin order. */
  private readonly classes: Array<Map<string, Job[]>> = [new Map(), new Map(), new Map()];
  private readonly waiting = [0, 0, 0];

  /** Resolves to the result, or 'busy' when the class or the bucket is full. */
  compare(password: string, hash: string, priority: Priority = 1, bucket = ''): Promise<boolean | 'busy'> {
    const buckets = this.classes[priority];
    const queue = buckets.get(bucket) ?? [];
    if (this.waiting[priority] >= CLASS_MAX[priority] || queue.length >= BUCKET_MAX) return Promise.resolve('busy');
    return new Promise((resolve) => {
      queue.push({ password, hash, resolve });
      buckets.set(bucket, queue);
      this.waiting[priority]++;
      this.pump();
    });
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  /**
   * After a reload: the checks waiting or running were for the users of before, whose hashes may
   * be gone (a costly one among them), so they end now, as failed logins, and the worker with
   * them; the next check starts a fresh one.
   */
  reset(): void {
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
    for (const [priority, buckets] of this.classes.entries()) {
      for (const queue of buckets.values()) for (const job of queue) job.resolve(false);
      buckets.clear();
      this.waiting[priority] = 0;
    }
  }

  /** Hands the worker the next check when it is idle. */
  private pump(): void {
    if (this.pending.size > 0) return;
    for (const [priority, buckets] of this.classes.entries()) {
      const first = buckets.entries().next();
      if (first.done) continue;
      const [bucket, queue] = first.value;
      const job = queue.shift()!;
      buckets.delete(bucket);
      if (queue.length > 0) buckets.set(bucket, queue); // to the back of the round
      this.waiting[priority]--;
      const id = this.nextId++;
      this.pending.set(id, job.resolve);
      if (process.versions.bun) {
        // Bun's own bcrypt, native and off the event loop: bcryptjs there runs without
        // JavaScriptCore's optimizing tier (see JSC_OPTIONS), where a cost-10 check took 3 s.
        void Bun.password.verify(job.password, job.hash).then(
          (ok) => this.answer(id, ok),
          () => this.answer(id, false),
        );
      } else {
        this.start().postMessage({ id, password: job.password, hash: job.hash });
      }
      return;
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const src = workerSource();
    // Required here: without basic_auth_users neither worker_threads nor crypto is ever loaded.
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const w = src ? new Worker(src, { eval: true }) : new Worker(join(__dirname, 'bcrypt_worker.js'));
    w.unref();
    w.on('message', (m: { id: number; ok: boolean }) => this.answer(m.id, m.ok));
    w.on('error', () => {
      if (this.worker === w) this.failAll();
    });
    w.on('exit', () => {
      if (this.worker !== w) return; // replaced by reset(): its checks are answered already
      this.failAll();
      this.worker = undefined;
    });
    this.worker = w;
    return w;
  }

  /** A check's result; one that reset() already answered is dropped. */
  private answer(id: number, ok: boolean): void {
    if (!this.pending.has(id)) return;
    this.pending.get(id)!(ok);
    this.pending.delete(id);
    this.pump();
  }

  private failAll(): void {
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
    this.pump();
  }
}

/** The cost of a bcrypt hash ($2b$12$... is 12). */
const cost = (hash: string): number => Number(hash.slice(4, 6));

export type AuthResult = 'ok' | 'denied' | 'busy';

/** HTTP basic auth against bcrypt hashes, with verified credentials cached. */
export class BasicAuth {
  private readonly cache = new Map<string, number>(); // credential digest -> expiry
  /** Users who logged in since this configuration was loaded: served first. */
  private readonly known = new Set<string>();
  /**
   * What a name no user has is checked against: the costliest configured hash, so that such a
   * name takes as long as a wrong password for any user (a cost-12 user took 343 ms to refuse,
   * an unknown name 86 ms, which told the names apart). The result is never used.
   */
  private readonly dummy: string;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly verifier: BcryptVerifier,
  ) {
    this.dummy = [...users.values()].reduce((a, h) => (cost(h) > cost(a) ? h : a), DUMMY_HASH);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /**
   * `client`: the remote address, so that one client's flood fills only its own buckets. A
   * request without Basic credentials is refused at once: it names no user, so there is nothing
   * whose existence timing could tell, and no reason to spend the bcrypt worker on it (1.0 paid
   * a check at the costliest configured cost for every such request).
   */
  async check(authorization: string | undefined, client = ''): Promise<AuthResult> {
    if (!this.enabled) return 'ok';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'denied';
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    const hash = this.users.get(user);
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const digest = createHash('sha256').update(`${user}\0${password}\0${hash ?? ''}`).digest('hex');
    const expiry = this.cache.get(digest);
    if (hash && expiry !== undefined && expiry > Date.now()) return 'ok';
    // Unknown or missing users pay for a comparison too, so timing does not tell them apart.
    const priority: Priority = !hash ? 2 : this.known.has(user) ? 0 : 1;
    const ok = await this.verifier.compare(password, hash ?? this.dummy, priority, `${user}\0${client}`);
    if (ok === 'busy') return 'busy';
    if (!ok || !hash) return 'denied';
    if (this.known.size < CACHE_MAX) this.known.add(user);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, Date.now() + CACHE_TTL_MS);
    return 'ok';
  }
}
