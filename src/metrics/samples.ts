import type { MetricDef } from './catalog';

/**
 * One sample: its label set already rendered (`{a="b"}` or ''), and its value. Label sets are
 * rendered once, where the sample is made (a mount's labels are rendered once per mount table),
 * because the escaping is the same in both exposition formats and the hot path should not
 * redo it on every scrape.
 */
export type Sample = readonly [labels: string, value: number];

/** Samples grouped by family, as a collector produced them in one collection. */
export class SampleSet {
  readonly byFamily = new Map<MetricDef, Sample[]>();

  add(def: MetricDef, value: number, labelValues?: readonly string[]): void {
    this.addRendered(def, labelValues ? renderLabels(def.labels, labelValues) : '', value);
  }

  addRendered(def: MetricDef, labels: string, value: number): void {
    let list = this.byFamily.get(def);
    if (!list) this.byFamily.set(def, (list = []));
    list.push([labels, value]);
  }
}

/** Escapes a label value for both the Prometheus text format and OpenMetrics. */
export function escapeLabelValue(v: string): string {
  // Fast path: most values need no escaping.
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length !== values.length) {
    throw new Error(`label count mismatch: ${names.join(',')} vs ${values.length} values`);
  }
  if (names.length === 0) return '';
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i) out += ',';
    out += `${names[i]}="${escapeLabelValue(values[i])}"`;
  }
  return out + '}';
}

/**
 * A sample value as both formats write it: exact integers plainly, `NaN`, `+Inf`, `-Inf`.
 * Integers from 2^53 up are not exact, and JavaScript writes 2^64 as 18446744073709552000,
 * which a parser reads as an integer 384 away from the value: those are written the way Go's
 * strconv 'g' (node_exporter) writes them, 1.8446744073709552e+19.
 */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return v < 2 ** 53 && v > -(2 ** 53) ? String(v) : v.toExponential();
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}
