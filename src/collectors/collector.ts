import type { SampleSet } from '../metrics/samples';

export interface CollectContext {
  /** Epoch milliseconds by which the collector must have resolved; later results are dropped. */
  readonly deadline: number;
  /** Aborted when the deadline passes, so a collector can stop waiting early. */
  readonly signal: AbortSignal;
}

export interface Collector {
  /** The `collector` label value and the flag suffix (`--collector.<name>`). */
  readonly name: string;
  /** Fills `out` with one collection's samples; throws (or rejects) on failure. */
  collect(ctx: CollectContext, out: SampleSet): Promise<void>;
  /** Stops background work (timers, discovery) at shutdown. */
  close?(): void;
}
