import { readdirSync, readFileSync } from 'node:fs';
import {
  PROCESS_CPU, PROCESS_CPU_SYSTEM, PROCESS_CPU_USER, PROCESS_HEAP, PROCESS_MAX_FDS, PROCESS_OPEN_FDS, PROCESS_RSS, PROCESS_START_TIME, PROCESS_VSZ,
} from '../metrics/catalog';
import type { MetricDef } from '../metrics/def';
import { emittedOn } from '../metrics/def';
import type { SampleSet } from '../metrics/samples';
import type { CollectContext, Collector } from './collector';

// The standard process_* metrics, with client_golang's and prom-client's names and meanings,
// read here in a few lines. prom-client's process collectors cost 7 MB of resident memory in the
// Linux executable (they load its metric classes and @opentelemetry/api) for nine numbers.

/** kB figures of /proc/self/status. */
function status(): { rss: number; vsz: number; data: number } {
  const s = readFileSync('/proc/self/status', 'latin1');
  const kB = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kB('VmRSS'), vsz: kB('VmSize'), data: kB('VmData') };
}

/** The soft limit on open files, from /proc/self/limits ("unlimited" as Infinity is not a count: left out). */
function maxFds(): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  return m ? Number(m[1]) : undefined;
}

/** process_* about the exporter itself, a part of every collection (see Scraper). */
export class ProcessMetrics implements Collector {
  readonly name = 'process';
  // As prom-client: the start, to the second, from the time the runtime has been up.
  private readonly start = Math.round(Date.now() / 1000 - process.uptime());
  private readonly linux = process.platform === 'linux';

  /** The families it emits on this platform (a test holds them equal to the catalog's). */
  static families(platform: NodeJS.Platform = process.platform): MetricDef[] {
    return [PROCESS_CPU_USER, PROCESS_CPU_SYSTEM, PROCESS_CPU, PROCESS_START_TIME, PROCESS_RSS, PROCESS_VSZ, PROCESS_HEAP, PROCESS_OPEN_FDS, PROCESS_MAX_FDS].filter((d) => emittedOn(d, platform));
  }

  async collect(_ctx: CollectContext, out: SampleSet): Promise<void> {
    const cpu = process.cpuUsage();
    out.add(PROCESS_CPU_USER, cpu.user / 1e6);
    out.add(PROCESS_CPU_SYSTEM, cpu.system / 1e6);
    out.add(PROCESS_CPU, (cpu.user + cpu.system) / 1e6);
    out.add(PROCESS_START_TIME, this.start);
    if (!this.linux) {
      out.add(PROCESS_RSS, process.memoryUsage.rss());
      return;
    }
    const s = status();
    out.add(PROCESS_RSS, s.rss);
    out.add(PROCESS_VSZ, s.vsz);
    out.add(PROCESS_HEAP, s.data);
    // The listing's own descriptor is not counted (prom-client's rule).
    out.add(PROCESS_OPEN_FDS, readdirSync('/proc/self/fd').length - 1);
    const max = maxFds();
    if (max !== undefined) out.add(PROCESS_MAX_FDS, max);
  }
}
