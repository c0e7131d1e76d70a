import type { Collector } from './collectors/collector';
import type { Logger } from './log';
import { SNAPSHOT_AGE } from './metrics/catalog';
import { SampleSet } from './metrics/samples';
import { Scraper, type Snapshot } from './scrape';

export interface GatherOptions {
  /** --collector.timeout in ms. */
  readonly timeoutMs: number;
  /** --collection.interval in ms; 0 collects on each scrape. */
  readonly intervalMs: number;
}

/** What the HTTP side needs: the content of a response, and the latest results for the landing page. */
export interface Gather {
  /** The collectors' names, what `collect[]` may name. */
  readonly names: readonly string[];
  /**
   * A response's sample sets: the collectors' samples (only those named in `only`, if given),
   * their health, the snapshot's age, build info and the process metrics, all from one snapshot.
   */
  gather(budgetMs: number, only?: readonly string[]): Promise<readonly SampleSet[]>;
  /** The latest finished collection, if any. */
  readonly latest: Snapshot | undefined;
}

/**
 * The one place a response's content is put together. Collectors and the process metrics run in
 * one collection, each isolated under the deadline (see Scraper); build info is fixed for the
 * process's life. In background mode the process metrics come from the snapshot too: serving
 * one costs no /proc/self reads.
 */
export class Gatherer implements Gather {
  private readonly scraper: Scraper;

  constructor(collectors: readonly Collector[], parts: readonly Collector[], private readonly buildInfo: SampleSet, log: Logger, opts: GatherOptions) {
    this.scraper = new Scraper(collectors, log, opts, parts);
  }

  get names(): readonly string[] {
    return this.scraper.names;
  }

  get latest(): Snapshot | undefined {
    return this.scraper.latest;
  }

  start(): void {
    this.scraper.start();
  }

  stop(): void {
    this.scraper.stop();
  }

  async gather(budgetMs: number, only?: readonly string[]): Promise<readonly SampleSet[]> {
    const snap = await this.scraper.snapshot(budgetMs);
    const age = new SampleSet();
    age.add(SNAPSHOT_AGE, Math.max(0, (Date.now() - snap.completedAt) / 1000));
    const results = only ? snap.results.filter((r) => only.includes(r.name)) : snap.results;
    const sets: SampleSet[] = [];
    for (const r of results) if (r.samples) sets.push(r.samples);
    sets.push(only ? this.scraper.health(results) : snap.health, age, this.buildInfo, ...snap.parts);
    return sets;
  }
}
