// The shape of a metric family, and how one is declared. Each collector declares its own families
// next to its code (src/collectors/<name>/metrics.ts); src/metrics/catalog.ts puts them in order
// with the exporter's own, and everything else (the exposition, the README's metric table, the
// BlueKing descriptors) is generated from that catalog.

export type MetricType = 'gauge' | 'counter';

/** Base unit of a family; '' for plain numbers (counts, flags, info metrics). */
export type Unit = 'bytes' | 'seconds' | 'ratio' | '';

/** Which collector produces a family (its name), or `exporter` / `process`, which are always on. */
export type Source = string;

/** The languages the BlueKing descriptors are written in; BlueKing's users read Chinese first. */
export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** A name a person reads: at most 15 characters (BlueKing's limit), and a full sentence. */
export interface Text {
  readonly short: string;
  readonly help: string;
}

export interface MetricDef {
  /** Full sample name as written in the text format (counters end in `_total`). */
  readonly name: string;
  readonly type: MetricType;
  /** The HELP line (English, as Prometheus exporters write it). */
  readonly help: string;
  readonly unit: Unit;
  readonly labels: readonly string[];
  readonly source: Source;
  /** At most 15 characters: BlueKing's metric description limit. */
  readonly short: string;
  /** What BlueKing shows, per language. */
  readonly text: Readonly<Record<Lang, Text>>;
  /** Platforms that emit the family; all when absent. */
  readonly platforms?: readonly NodeJS.Platform[];
  /** The HELP line on Windows, where `help` speaks of Linux only (MemAvailable, root's reserve). */
  readonly windowsHelp?: string;
}

export const LINUX_ONLY: readonly NodeJS.Platform[] = ['linux'];
export const WINDOWS_ONLY: readonly NodeJS.Platform[] = ['win32'];

/** What BlueKing shows for a label or a group, per language, at most 15 characters. */
export type Texts15 = Readonly<Record<Lang, string>>;

type Texts = readonly [enShort: string, enHelp: string, zhShort: string, zhHelp: string];

export function def(
  source: Source,
  type: MetricType,
  name: string,
  unit: Unit,
  [short, help, zhShort, zhHelp]: Texts,
  labels: readonly string[] = [],
  platforms?: readonly NodeJS.Platform[],
): MetricDef {
  const text = { en: { short, help }, zh: { short: zhShort, help: zhHelp } };
  return Object.freeze({ name, type, help, unit, labels, source, short, text, platforms });
}

/** A family whose HELP line on Windows says what the figure is there. */
export function onWindows(d: MetricDef, windowsHelp: string): MetricDef {
  return Object.freeze({ ...d, windowsHelp });
}

/** The HELP line a build for `platform` writes. */
export function helpOn(d: MetricDef, platform: NodeJS.Platform): string {
  return platform === 'win32' && d.windowsHelp ? d.windowsHelp : d.help;
}

/** Family name as OpenMetrics writes it in TYPE/HELP/UNIT lines (counters lose `_total`). */
export function familyName(d: MetricDef): string {
  return d.type === 'counter' ? d.name.replace(/_total$/, '') : d.name;
}

export function emittedOn(d: MetricDef, platform: NodeJS.Platform): boolean {
  return !d.platforms || d.platforms.includes(platform);
}
