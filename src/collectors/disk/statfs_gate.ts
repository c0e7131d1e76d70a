import { promises as fsPromises } from 'node:fs';

// Why this exists: fs.statfs runs on libuv's thread pool, which every async fs call and async
// zlib share. A statfs on a dead NFS or FUSE mount never returns and holds its thread for good;
// four of them freeze a naive Node exporter completely. The gate bounds how many statfs calls
// may hold pool threads at once (leaving the rest of the pool to everything else), never runs
// two calls for the same mount, and lets a caller stop waiting at its deadline.

export interface StatfsResult {
  readonly type: number;
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

export type StatfsFn = (path: string | Buffer) => Promise<StatfsResult>;

export type StatfsOutcome =
  | { readonly ok: StatfsResult }
  | { readonly error: string; readonly hung: boolean };

/** Resolves at an epoch-ms deadline; shared by every wait of one collection. */
export class Deadline {
  readonly reached: Promise<void>;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly at: number) {
    this.reached = new Promise((resolve) => {
      this.timer = setTimeout(resolve, Math.max(0, at - Date.now()));
    });
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

const TIMED_OUT = Symbol('timed out');

/** The gate's key for a path: raw bytes one char per byte, so non-UTF-8 paths stay distinct. */
export function gateKey(rawPath: string | Buffer): string {
  return typeof rawPath === 'string' ? rawPath : rawPath.toString('latin1');
}

/** Default libuv pool size when the user has not set UV_THREADPOOL_SIZE. */
export const DEFAULT_POOL_SIZE = 32;

/** Threads left to the rest of the process (async zlib, fs) however many mounts hang. */
export function statfsCapacity(poolSize: number): number {
  const reserve = Math.min(4, Math.floor(poolSize / 2));
  return Math.max(1, poolSize - reserve);
}

/** libuv's pool size as libuv reads it (1..1024, default 4). */
export function poolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/** One mount's state at the gate: its call in flight, if any, and whether that call is hung. */
interface Slot {
  call: Promise<StatfsOutcome> | undefined;
  hung: boolean;
}

export class StatfsGate {
  // Slots outlive calls: a Map entry added and removed per call makes V8 reallocate the table
  // every few calls, and each table, held by this long-lived map, became old-generation garbage
  // (a fifth of what the old generation accumulated under load). `retain` drops gone mounts.
  private readonly slots = new Map<string, Slot>();
  private hungCount = 0;
  private readonly waiters: Array<(ok: boolean) => void> = [];
  private running = 0;

  constructor(
    readonly capacity: number,
    // The promise form: with fs.statfs's callback form about 130 bytes per scrape outlived two
    // scavenges and piled up in the old generation (measured with --trace-gc-nvp; fs.stat's
    // callback form and fs.promises.statfs: about 15).
    private readonly statfs: StatfsFn = (p) => fsPromises.statfs(p),
  ) {}

  /** Calls outstanding past the deadline of the collection that waited on them. */
  get hung(): number {
    return this.hungCount;
  }

  /** Calls currently holding a pool thread. */
  get active(): number {
    return this.running;
  }

  /** Mount points the gate keeps state for (tests). */
  get tracked(): number {
    return this.slots.size;
  }

  /** `rawPath` may be raw bytes (a Linux mount point need not be UTF-8); `key` is its gateKey. */
  async query(rawPath: string | Buffer, deadline: Deadline, key = gateKey(rawPath)): Promise<StatfsOutcome> {
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { call: undefined, hung: false }));
    // A mount already known hung is skipped at once until its call returns.
    if (slot.hung) return { error: 'statfs still hung since an earlier collection', hung: true };
    let call = slot.call;
    if (!call) {
      if (!(await this.acquire(deadline))) {
        return { error: `no statfs slot free before the deadline (${this.hungCount} calls hung)`, hung: false };
      }
      call = slot.call;
      if (call || Date.now() >= deadline.at) {
        // Another caller started this mount meanwhile, or the slot came too late to use.
        this.release();
        if (!call) return { error: 'no statfs slot free before the deadline', hung: false };
      }
      call ??= this.start(slot, rawPath);
    }
    const res = await Promise.race([call, deadline.reached.then((): typeof TIMED_OUT => TIMED_OUT)]);
    if (res === TIMED_OUT) {
      if (!slot.hung && slot.call === call) {
        slot.hung = true;
        this.hungCount++;
      }
      return { error: 'statfs did not return before the deadline', hung: true };
    }
    return res;
  }

  /**
   * Forgets the mounts not in `paths` (keys as `gateKey` makes them), except those with a call
   * still out: they are forgotten by a later call, after they return.
   */
  retain(paths: ReadonlySet<string>): void {
    for (const [path, slot] of this.slots) if (!slot.call && !paths.has(path)) this.slots.delete(path);
  }

  private start(slot: Slot, rawPath: string | Buffer): Promise<StatfsOutcome> {
    const call = this.statfs(rawPath).then(
      (ok): StatfsOutcome => ({ ok }),
      (err: NodeJS.ErrnoException): StatfsOutcome => ({ error: err.code ?? String(err), hung: false }),
    );
    slot.call = call;
    void call.then(() => {
      slot.call = undefined;
      if (slot.hung) {
        slot.hung = false;
        this.hungCount--;
      }
      this.release();
    });
    return call;
  }

  private acquire(deadline: Deadline): Promise<boolean> {
    if (this.running < this.capacity) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const waiter = (ok: boolean): void => resolve(ok);
      this.waiters.push(waiter);
      void deadline.reached.then(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          resolve(false);
        }
      });
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next(true); // hand the slot over; `running` stays the same
    else this.running--;
  }
}
