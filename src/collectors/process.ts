import { Registry } from 'prom-client';
import { familiesFor, type MetricDef } from '../metrics/catalog';
import type { SampleSet } from '../metrics/samples';
import type { CollectContext, Collector } from './collector';

// The standard process_* metrics come from prom-client's own process collectors (CPU, RSS,
// start time, fds), registered one by one: its collectDefaultMetrics() would also start an
// event-loop histogram and GC observers that an exporter scraped every few seconds does not need.
type Register = (registry: Registry) => void;
/* eslint-disable @typescript-eslint/no-require-imports */
const PROCESS_COLLECTORS: Register[] = [
  require('prom-client/lib/metrics/processCpuTotal') as Register,
  require('prom-client/lib/metrics/processStartTime') as Register,
  require('prom-client/lib/metrics/osMemoryHeap') as Register,
  require('prom-client/lib/metrics/processOpenFileDescriptors') as Register,
  require('prom-client/lib/metrics/processMaxFileDescriptors') as Register,
];
/* eslint-enable @typescript-eslint/no-require-imports */

// Only what the catalog declares for this platform: under wine, prom-client finds the host's
// /proc through drive Z: and would add Linux-only families to a Windows build.
const BY_NAME: ReadonlyMap<string, MetricDef> = new Map(
  familiesFor(process.platform).filter((d) => d.source === 'process').map((d) => [d.name, d]),
);

/** process_* (prom-client's process collectors), a part of every collection (see Scraper). */
export class ProcessMetrics implements Collector {
  readonly name = 'process';
  private readonly registry = new Registry();

  constructor() {
    for (const register of PROCESS_COLLECTORS) register(this.registry);
  }

  /** Names prom-client produces on this platform (a test holds them equal to the catalog's). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }

  async collect(_ctx: CollectContext, out: SampleSet): Promise<void> {
    for (const m of await this.registry.getMetricsAsJSON()) {
      const d = BY_NAME.get(m.name);
      if (!d) continue;
      for (const v of m.values) out.add(d, v.value);
    }
  }
}
