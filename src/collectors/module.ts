import type { FlagSpec } from '../flags';
import type { Logger } from '../log';
import type { MetricDef, Texts15 } from '../metrics/def';
import type { CimFeed } from './cim_windows';
import type { Collector } from './collector';

/** What a collector is built from: the platform, the log, and the parsed flags. */
export interface CollectorEnv {
  readonly platform: NodeJS.Platform;
  readonly log: Logger;
  /** --collector.timeout in ms. */
  readonly timeoutMs: number;
  /** --path.procfs and --path.rootfs (Linux). */
  readonly procfs: string;
  readonly rootfs: string;
  /** A flag's value by its name, with its default applied (a collector reads its own flags here). */
  flag<T>(name: string): T;
  /** Windows: the WMI feed that every collector shares, started on first use. */
  cim(): CimFeed;
}

/**
 * One collector, whole: everything else is derived from this. The CLI gets `--collector.<name>`,
 * `--no-collector.<name>` and the module's flags; the catalog its families; the BlueKing
 * descriptors a table (titled `title`) and the switch; the README its rows. Adding a collector is
 * a folder under src/collectors with one of these, and a line in registry.ts.
 */
export interface CollectorModule {
  /** The `collector` label value and the flag suffix. */
  readonly name: string;
  readonly defaultEnabled: boolean;
  /** The collector's subject, for "the disk collector" in forms and help ("disk", "磁盘"). */
  readonly noun: Texts15;
  /** BlueKing's table of its families (at most 15 characters). */
  readonly title: Texts15;
  /** Its own flags, named `collector.<name>.<flag>`. */
  readonly flags: readonly FlagSpec[];
  /** Its metric families, in exposition order; each declared with `source` = name. */
  readonly families: readonly MetricDef[];
  /** What BlueKing shows for each label its families use. */
  readonly labelText?: Readonly<Record<string, Texts15>>;
  create(env: CollectorEnv): Collector;
}
