import { CATALOG, familyName, type MetricDef } from './catalog';
import { formatValue, type Sample, type SampleSet } from './samples';

export type Format = 'text' | 'openmetrics';

export const CONTENT_TYPE_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const CONTENT_TYPE_OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

// HELP escaping differs: text 0.0.4 escapes backslash and newline; OpenMetrics also quotes.
const escHelpText = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escHelpOm = (s: string): string => escHelpText(s).replace(/"/g, '\\"');

/** Family headers per format, built once for the whole catalog. */
const HEADERS: ReadonlyMap<MetricDef, { text: string; openmetrics: string }> = new Map(
  CATALOG.map((d) => {
    const text = `# HELP ${d.name} ${escHelpText(d.help)}\n# TYPE ${d.name} ${d.type}\n`;
    const fam = familyName(d);
    const unit = d.unit && fam.endsWith(`_${d.unit}`) ? `# UNIT ${fam} ${d.unit}\n` : '';
    const openmetrics = `# TYPE ${fam} ${d.type}\n${unit}# HELP ${fam} ${escHelpOm(d.help)}\n`;
    return [d, { text, openmetrics }];
  }),
);

/**
 * Renders sample sets in catalog order, one HELP/TYPE block per family, never interleaved.
 * Families without samples are left out. The caller appends `# EOF` for OpenMetrics once,
 * after everything else (see `finish`).
 */
export function render(sets: readonly SampleSet[], format: Format): string {
  let out = '';
  for (const d of CATALOG) {
    let header = false;
    for (const set of sets) {
      const samples = set.byFamily.get(d);
      if (!samples || samples.length === 0) continue;
      if (!header) {
        out += HEADERS.get(d)![format];
        header = true;
      }
      out += renderSamples(d.name, samples);
    }
  }
  return out;
}

function renderSamples(name: string, samples: readonly Sample[]): string {
  let out = '';
  for (const [labels, value] of samples) out += `${name}${labels} ${formatValue(value)}\n`;
  return out;
}

export function finish(body: string, format: Format): string {
  return format === 'openmetrics' ? `${body}# EOF\n` : body;
}

export function contentType(format: Format): string {
  return format === 'openmetrics' ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_TEXT;
}
