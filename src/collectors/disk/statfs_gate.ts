import { promises as fsPromises } from 'node:fs';

// Why this exists: fs.statfs runs on libuv's thread pool, which every async fs call and async
// zlib share. A statfs on a dead NFS or FUSE mount never returns and holds its thread for good;
// four of them freeze a naive Node exporter completely. The gate bounds how many statfs calls
// may hold pool threads at once (leaving the rest of the pool to everything else), never runs
// two calls for the same mount, and lets a caller stop waiting at its deadline.
//
// A fixed pool cannot absorb any number of dead mounts (node_exporter's Go runtime makes a new
// OS thread per blocked syscall; Node cannot). So the pool is kept for mounts that answer:
// mounts not yet known to answer may hold at most capacity - reserve threads, and once those
// are taken by hung calls, such mounts are asked in a killable child process instead (a probe).
// A probe that does not answer in time is killed, its thread-free cost gone with it, and the
// mount is probed again in the background every reprobeMs until it answers.

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

/** One statfs in a child process. */
export interface ProbeRun {
  /** The figures; 'timeout' once timeoutMs passed without them (the process is then signalled); rejects with statfs's error. */
  readonly answer: Promise<StatfsResult | 'timeout'>;
  /** Settles when the process has ended (a FUSE wait may hold it for good): with figures if it got them, late or not. */
  readonly ended: Promise<StatfsResult | undefined>;
}

/** statfs outside the exporter's process. */
export interface Probe {
  run(path: string, timeoutMs: number): ProbeRun;
  /** Signals every probe still running (at shutdown). */
  close(): void;
}

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

/** Threads left to the rest of the process (async zlib, fs) however many mounts hang. */
export function statfsCapacity(poolSize: number): number {
  const reserve = Math.min(4, Math.floor(poolSize / 2));
  return Math.max(1, poolSize - reserve);
}

/**
 * The async pool's size as the runtime reads UV_THREADPOOL_SIZE. libuv (Node, threadpool.c):
 * unset, 4; else atoi() of the value into an unsigned int, 0 (also "abc" or "") becoming 1, and
 * anything above 1024 (also a negative number, wrapped round) becoming 1024. Bun (the Linux
 * executable) honours the same variable but reads it its own way (measured with FIFO opens
 * holding its threads): a value that is not a plain number, or is 65,536 or more, means its default, at least 2
 * threads; 2 is taken for the default, the size it chose on 1 and 2 cores (fewer assumed
 * threads than there are is the safe error).
 */
export function poolSize(env: NodeJS.ProcessEnv = process.env, runtime: 'node' | 'bun' = process.versions.bun ? 'bun' : 'node'): number {
  const v = env.UV_THREADPOOL_SIZE;
  if (runtime === 'bun') {
    const n = v === undefined ? NaN : Number(/^\s*(\d+)\s*$/.exec(v)?.[1]);
    // 65,536 and up do not fit Bun's 16-bit reading: it keeps its default then (1.0 assumed
    // 1,024 threads there, and every healthy mount failed behind 60 hung ones).
    return Number.isFinite(n) && n < 65536 ? Math.min(1024, Math.max(2, n)) : 2;
  }
  if (v === undefined) return 4;
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(v);
  const n = m ? Number(m[1]) : 0;
  if (n === 0) return 1;
  return n < 0 || n > 1024 ? 1024 : n;
}

/** One statfs in flight for a mount: on a pool thread, or in a probe process. */
interface Call {
  readonly promise: Promise<StatfsOutcome>;
  readonly startedAt: number;
  /** Out longer than hungAfterMs (or a background probe of a mount that was dead). */
  hung: boolean;
}

/** One mount's state at the gate. */
interface Slot {
  call: Call | undefined;
  /** Its last call answered (figures or an error): it may use every pool thread. */
  answered: boolean;
  /** When a probe of it last had to be killed; 0 once it answers. */
  deadSince: number;
}

type Grant = 'slot' | 'overflow' | 'deadline';
interface Waiter {
  /** Resolves the wait once; false if it was already resolved. */
  grant(how: Grant): boolean;
}

export interface GateOptions {
  /** Pool threads statfs calls may hold at once. */
  readonly capacity: number;
  /**
   * A call out this long is hung: later queries report the mount failed at once, until the call
   * returns. The configured collector timeout, as node_exporter's mount timeout: never a
   * client's shorter scrape timeout, so that one hasty client cannot blank a slow mount for all.
   */
  readonly hungAfterMs: number;
  readonly statfs?: StatfsFn;
  /** Killable statfs for mounts the pool cannot take (Linux: a child process). */
  readonly probe?: Probe;
  /** How long a mount whose probe was killed is left alone before it is probed again. */
  readonly reprobeMs?: number;
  /** How long a query waits for a pool thread before it takes a probe instead. */
  readonly overflowAfterMs?: number;
}

const HUNG: StatfsOutcome = Object.freeze({ error: 'statfs still hung since an earlier collection', hung: true });

export class StatfsGate {
  /** Pool statfs calls out in the whole process: at exit they decide how it may end. */
  static outstanding = 0;

  readonly capacity: number;
  /** Threads only mounts known to answer may take. */
  readonly reserve: number;
  private readonly hungAfterMs: number;
  private readonly reprobeMs: number;
  private readonly overflowAfterMs: number;
  private readonly statfs: StatfsFn;
  private readonly probe: Probe | undefined;
  // Slots outlive calls: a Map entry added and removed per call makes V8 reallocate the table
  // every few calls, and each table, held by this long-lived map, became old-generation garbage
  // (a fifth of what the old generation accumulated under load). `retain` drops gone mounts.
  private readonly slots = new Map<string, Slot>();
  private hungCount = 0;
  private running = 0;
  // Waiters for a pool thread: mounts known to answer first. Sets, so that a waiter leaving at
  // its deadline costs O(1) however many wait.
  private readonly waitingAnswered = new Set<Waiter>();
  private readonly waitingOthers = new Set<Waiter>();

  constructor(o: GateOptions) {
    this.capacity = o.capacity;
    this.reserve = Math.min(o.capacity - 1, Math.max(1, Math.floor(o.capacity / 4)));
    this.hungAfterMs = o.hungAfterMs;
    this.reprobeMs = o.reprobeMs ?? 30_000;
    this.overflowAfterMs = o.overflowAfterMs ?? 200;
    // The promise form: with fs.statfs's callback form about 130 bytes per scrape outlived two
    // scavenges and piled up in the old generation (measured with --trace-gc-nvp; fs.stat's
    // callback form and fs.promises.statfs: about 15).
    this.statfs = o.statfs ?? ((p) => fsPromises.statfs(p));
    this.probe = o.probe;
  }

  /**
   * Calls out past hungAfterMs: on a pool thread (held until the call returns) or in a probe
   * process that has not ended (a FUSE wait can hold it for good).
   */
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

  /**
   * `rawPath` may be raw bytes (a Linux mount point need not be UTF-8); `key` is its gateKey.
   * `isolate`: never on a pool thread when a probe can take it (FUSE mounts).
   */
  async query(rawPath: string | Buffer, deadline: Deadline, key = gateKey(rawPath), isolate = false): Promise<StatfsOutcome> {
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { call: undefined, answered: false, deadSince: 0 }));
    const now = Date.now();
    let call = slot.call;
    if (call && now - call.startedAt >= this.hungAfterMs) this.markHung(call);
    if (call?.hung) return HUNG;
    if (!call && slot.deadSince !== 0) {
      // A mount whose last probe was killed: no scrape waits for it. Probe it again in the
      // background now and then; it is reported again once a probe answers.
      if (now - slot.deadSince >= this.reprobeMs) {
        slot.deadSince = now;
        this.startProbe(slot, rawPath, true);
      }
      return { error: `statfs did not return within ${this.hungAfterMs} ms when last probed`, hung: true };
    }
    if (!call && isolate && this.probeable(rawPath)) call = this.startProbe(slot, rawPath, false);
    if (!call) {
      const how = await this.acquire(slot.answered, deadline, rawPath);
      call = slot.call; // another query may have started this mount meanwhile
      if (call || how === 'deadline' || Date.now() >= deadline.at) {
        if (how === 'slot') this.release();
        if (!call) return { error: `no statfs thread free before the deadline (${this.hungCount} calls hung)`, hung: false };
      } else {
        call = how === 'slot' ? this.startPooled(slot, rawPath) : this.startProbe(slot, rawPath, false);
      }
    }
    const res = await Promise.race([call.promise, deadline.reached.then((): typeof TIMED_OUT => TIMED_OUT)]);
    if (res !== TIMED_OUT) return res;
    if (Date.now() - call.startedAt >= this.hungAfterMs) this.markHung(call);
    return { error: 'statfs did not return before the deadline', hung: call.hung };
  }

  /**
   * Forgets the mounts not in `paths` (keys as `gateKey` makes them), except those with a call
   * still out: they are forgotten by a later call, after they return.
   */
  retain(paths: ReadonlySet<string>): void {
    for (const [path, slot] of this.slots) if (!slot.call && !paths.has(path)) this.slots.delete(path);
  }

  /** Kills running probes (pool threads cannot be taken back). */
  close(): void {
    this.probe?.close();
  }

  private markHung(call: Call): void {
    if (call.hung) return;
    call.hung = true;
    this.hungCount++;
  }

  private startPooled(slot: Slot, rawPath: string | Buffer): Call {
    StatfsGate.outstanding++;
    const call: Call = {
      startedAt: Date.now(),
      hung: false,
      promise: this.statfs(rawPath).then(
        (ok): StatfsOutcome => ({ ok }),
        (err: NodeJS.ErrnoException): StatfsOutcome => ({ error: err.code ?? String(err), hung: false }),
      ),
    };
    slot.call = call;
    void call.promise.then(() => {
      StatfsGate.outstanding--;
      if (call.hung) this.hungCount--;
      slot.call = undefined;
      slot.answered = true;
      slot.deadSince = 0;
      this.release();
    });
    return call;
  }

  /** Only for paths `probeable` accepts: a string, or bytes that are valid UTF-8. */
  private startProbe(slot: Slot, rawPath: string | Buffer, presumedDead: boolean): Call {
    const path = typeof rawPath === 'string' ? rawPath : rawPath.toString('utf8');
    const run = this.probe!.run(path, this.hungAfterMs);
    const call: Call = {
      startedAt: Date.now(),
      hung: false,
      promise: run.answer.then(
        (r): StatfsOutcome => {
          if (r !== 'timeout') return { ok: r };
          this.markHung(call);
          return { error: `statfs did not return within ${this.hungAfterMs} ms`, hung: true };
        },
        (err: unknown): StatfsOutcome => ({ error: err instanceof Error ? err.message : String(err), hung: false }),
      ),
    };
    if (presumedDead) this.markHung(call);
    slot.call = call;
    // The mount keeps its call until the process has ended, so that a process stuck for good
    // in a FUSE wait is never joined by a second one. Figures, even late ones, mean it answers.
    void run.ended.then((r) => {
      if (call.hung) this.hungCount--;
      slot.call = undefined;
      slot.answered = r !== undefined || !call.hung;
      slot.deadSince = slot.answered ? 0 : Date.now();
    });
    return call;
  }

  /** Whether a probe can take this path: one exists, and the path survives a command line. */
  private probeable(rawPath: string | Buffer): boolean {
    if (!this.probe) return false;
    return typeof rawPath === 'string' || Buffer.from(rawPath.toString('utf8'), 'utf8').equals(rawPath);
  }

  /**
   * A pool thread ('slot'), or 'overflow' when none came within overflowAfterMs and a probe can
   * take the path, or 'deadline'. Mounts not known to answer may not take the last `reserve`.
   */
  private acquire(answered: boolean, deadline: Deadline, rawPath: string | Buffer): Promise<Grant> {
    const queue = answered ? this.waitingAnswered : this.waitingOthers;
    const limit = answered ? this.capacity : this.capacity - this.reserve;
    const ahead = answered ? queue.size : queue.size + this.waitingAnswered.size;
    if (this.running < limit && ahead === 0) {
      this.running++;
      return Promise.resolve('slot');
    }
    return new Promise<Grant>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        grant: (how) => {
          if (!queue.delete(w)) return false;
          clearTimeout(timer);
          resolve(how);
          return true;
        },
      };
      queue.add(w);
      void deadline.reached.then(() => w.grant('deadline'));
      if (this.probeable(rawPath)) timer = setTimeout(() => w.grant('overflow'), this.overflowAfterMs);
    });
  }

  /** Hands free pool threads to waiters, mounts known to answer first. */
  private pump(): void {
    for (;;) {
      const queue =
        this.running < this.capacity && this.waitingAnswered.size > 0
          ? this.waitingAnswered
          : this.running < this.capacity - this.reserve && this.waitingOthers.size > 0
            ? this.waitingOthers
            : undefined;
      if (!queue) return;
      this.running++;
      queue.values().next().value!.grant('slot');
    }
  }

  private release(): void {
    this.running--;
    this.pump();
  }
}
