import type { Collector } from './collectors/collector';
import { COLLECTOR_DURATION, COLLECTOR_ERRORS, COLLECTOR_SUCCESS } from './metrics/catalog';
import { renderLabels, SampleSet } from './metrics/samples';
import { errorMessage, type Logger } from './log';

export interface CollectorResult {
  readonly name: string;
  readonly success: boolean;
  readonly durationSeconds: number;
  /** Present only when the collector succeeded: a failed one contributes no partial data. */
  readonly samples?: SampleSet;
  readonly error?: string;
}

/** One collection of every enabled collector: what a response is rendered from, whole. */
export interface Snapshot {
  /** Epoch ms when the collection finished. */
  readonly completedAt: number;
  readonly results: readonly CollectorResult[];
  /** success / duration / errors_total per collector, as they stood for this collection. */
  readonly health: SampleSet;
  /** The parts' samples (process metrics), collected with the collectors. */
  readonly parts: readonly SampleSet[];
}

export interface ScraperOptions {
  /** --collector.timeout in ms. */
  readonly timeoutMs: number;
  /** --collection.interval in ms; 0 collects on each scrape. */
  readonly intervalMs: number;
}

/** Margin kept for rendering and sending when Prometheus tells us its scrape timeout. */
const HEADER_MARGIN_MS = 500;

/** Milliseconds from a monotonic clock; process.hrtime, unlike `performance`, loads no module. */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The per-collector budget for one scrape: --collector.timeout, or less when the request carries
 * X-Prometheus-Scrape-Timeout-Seconds (that value minus half a second).
 */
export function scrapeBudget(timeoutMs: number, scrapeTimeoutHeader: string | undefined): number {
  const h = scrapeTimeoutHeader === undefined ? NaN : Number(scrapeTimeoutHeader);
  if (!Number.isFinite(h) || h <= 0) return timeoutMs;
  const fromHeader = h * 1000 > 2 * HEADER_MARGIN_MS ? h * 1000 - HEADER_MARGIN_MS : (h * 1000) / 2;
  return Math.min(timeoutMs, fromHeader);
}

class DeadlineError extends Error {}

/** A collection under way, and when it must end. */
interface Inflight {
  readonly promise: Promise<Snapshot>;
  readonly deadline: number;
}

/**
 * Runs collectors concurrently and in isolation, shares a running collection among the scrapes
 * that arrive during it (with about the same deadline), and in background mode refreshes a
 * snapshot on a timer.
 */
export class Scraper {
  private readonly errors = new Map<string, number>();
  private readonly healthLabels = new Map<string, string>();
  /** The running collection and the epoch ms by which it ends. */
  /** Collections under way, each with its deadline (scrapes with different deadlines run their own). */
  private readonly inflight = new Set<Inflight>();
  private latestSnapshot: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly log: Logger,
    private readonly opts: ScraperOptions,
    /**
     * Always-on parts of every collection without a switch or health series of their own (the
     * process metrics): run beside the collectors under the same deadline and isolation, so a
     * failure costs only their samples, and kept in the snapshot like the collectors' samples.
     */
    private readonly parts: readonly Collector[] = [],
  ) {
    for (const c of collectors) {
      this.errors.set(c.name, 0);
      this.healthLabels.set(c.name, renderLabels(['collector'], [c.name]));
    }
  }

  get background(): boolean {
    return this.opts.intervalMs > 0;
  }

  /** The latest finished collection, if any (for the landing page). */
  get latest(): Snapshot | undefined {
    return this.latestSnapshot;
  }

  /** Starts the refresh timer in background mode; a no-op when collecting on each scrape. */
  start(): void {
    if (!this.background || this.timer) return;
    const tick = (): void => {
      if (this.inflight.size === 0) void this.run(this.opts.timeoutMs);
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of [...this.collectors, ...this.parts]) c.close?.();
  }

  /** The names of the collectors, in order (what `collect[]` may name). */
  get names(): readonly string[] {
    return this.collectors.map((c) => c.name);
  }

  /**
   * The snapshot one scrape serves. Joins a running collection whose deadline is this scrape's
   * own, give or take a tenth of its budget (at least 50 ms): never one that ends later (the
   * scrape would outlast its deadline), and never one that ends much earlier either, whose
   * slow mounts would fail for this scrape too. Otherwise it starts its own with `budgetMs`
   * (1.0 joined any earlier one, so one client's 1 s timeout failed a 1.5 s mount for a
   * Prometheus at 10 s). Two collections side by side share each mount's statfs call in the
   * gate. In background mode: the latest snapshot at once; before the first one exists, the
   * same rule.
   */
  snapshot(budgetMs: number = this.opts.timeoutMs): Promise<Snapshot> {
    if (this.background && this.latestSnapshot) return Promise.resolve(this.latestSnapshot);
    const deadline = Date.now() + budgetMs;
    const slack = Math.max(50, budgetMs / 10);
    let best: Inflight | undefined;
    for (const c of this.inflight) if (c.deadline <= deadline && c.deadline >= deadline - slack && (!best || c.deadline > best.deadline)) best = c;
    return best ? best.promise : this.run(budgetMs);
  }

  private run(budgetMs: number): Promise<Snapshot> {
    const deadline = Date.now() + budgetMs;
    // The callback runs after `entry` is set: a promise settles at the earliest on the next tick.
    let entry: Inflight | undefined;
    const promise = this.collectAll(deadline).finally(() => entry && this.inflight.delete(entry));
    entry = { promise, deadline };
    this.inflight.add(entry);
    return promise;
  }

  /** success / duration / errors_total for these results (all of a collection, or a `collect[]` subset). */
  health(results: readonly CollectorResult[]): SampleSet {
    const health = new SampleSet();
    for (const r of results) {
      const labels = this.healthLabels.get(r.name)!;
      health.addRendered(COLLECTOR_SUCCESS, labels, r.success ? 1 : 0);
      health.addRendered(COLLECTOR_DURATION, labels, r.durationSeconds);
      health.addRendered(COLLECTOR_ERRORS, labels, this.errors.get(r.name)!);
    }
    return health;
  }

  private async collectAll(deadline: number): Promise<Snapshot> {
    const [results, parts] = await Promise.all([
      Promise.all(this.collectors.map((c) => this.runOne(c, deadline))),
      Promise.all(this.parts.map((p) => this.runOne(p, deadline, false))),
    ]);
    const snap: Snapshot = {
      completedAt: Date.now(),
      results,
      health: this.health(results),
      parts: parts.flatMap((r) => (r.samples ? [r.samples] : [])),
    };
    this.latestSnapshot = snap;
    return snap;
  }

  /** One collector (or part: `counted` false keeps it out of the error counters). */
  private async runOne(c: Collector, deadline: number, counted = true): Promise<CollectorResult> {
    const out = new SampleSet();
    const ac = new AbortController();
    const t0 = monotonicMs();
    const budgetMs = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new DeadlineError(`deadline of ${(budgetMs / 1000).toFixed(3)}s exceeded`));
      }, budgetMs);
    });
    try {
      // A synchronous throw inside collect() becomes a rejection here, isolated like any other.
      const work = Promise.resolve().then(() => c.collect({ deadline, signal: ac.signal }, out));
      await Promise.race([work, timeout]);
      return { name: c.name, success: true, durationSeconds: (monotonicMs() - t0) / 1000, samples: out };
    } catch (err) {
      if (counted) this.errors.set(c.name, this.errors.get(c.name)! + 1);
      const error = errorMessage(err);
      const durationSeconds = (monotonicMs() - t0) / 1000;
      this.log.warn(counted ? 'collector failed' : 'exporter metrics failed', { collector: c.name, duration_seconds: durationSeconds.toFixed(3), err: error });
      return { name: c.name, success: false, durationSeconds, error };
    } finally {
      clearTimeout(timer);
    }
  }
}
