import { CATALOG, familyName, helpOn, type MetricDef } from './catalog';
import { formatValue, type SampleSet } from './samples';

export type Format = 'text' | 'openmetrics';

export const CONTENT_TYPE_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const CONTENT_TYPE_OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

// HELP escaping differs: text 0.0.4 escapes backslash and newline; OpenMetrics also quotes.
const escHelpText = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escHelpOm = (s: string): string => escHelpText(s).replace(/"/g, '\\"');

/** A family's headers per format, as bytes: built once per family, the catalog's at load. */
const HEADERS = new Map<MetricDef, Readonly<Record<Format, Buffer>>>();
function headers(d: MetricDef): Readonly<Record<Format, Buffer>> {
  let h = HEADERS.get(d);
  if (!h) {
    const help = helpOn(d, process.platform);
    const text = `# HELP ${d.name} ${escHelpText(help)}\n# TYPE ${d.name} ${d.type}\n`;
    const fam = familyName(d);
    const unit = d.unit && fam.endsWith(`_${d.unit}`) ? `# UNIT ${fam} ${d.unit}\n` : '';
    const openmetrics = `# TYPE ${fam} ${d.type}\n${unit}# HELP ${fam} ${escHelpOm(help)}\n`;
    HEADERS.set(d, (h = { text: Buffer.from(text), openmetrics: Buffer.from(openmetrics) }));
  }
  return h;
}
for (const d of CATALOG) headers(d);
const IN_CATALOG: ReadonlySet<MetricDef> = new Set(CATALOG);

const EOF_LINE = Buffer.from('# EOF\n');

/** Kept between scrapes up to this size; a bigger body gets a scratch buffer of its own. */
const SCRATCH_KEPT = 64 * 1024;
let scratch = Buffer.allocUnsafe(SCRATCH_KEPT);

/**
 * Renders sample sets in catalog order, one HELP/TYPE block per family, never interleaved, with
 * `# EOF` at the end for OpenMetrics. Families without samples are left out; a family that is
 * not in the catalog (a collector outside the registry) follows, never dropped.
 *
 * The pieces are written into a reused buffer and copied out once. Building a string instead
 * (a template string per line, a `+=` per piece, then Buffer.from flattening the lot) made a
 * third of a scrape's garbage, and more garbage means more of it survives into V8's old
 * generation while statfs calls are out.
 */
export function renderBody(sets: readonly SampleSet[], format: Format): Buffer {
  let buf = scratch;
  let off = 0;
  const room = (n: number): void => {
    if (off + n <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, off + n));
    buf.copy(bigger, 0, 0, off);
    buf = bigger;
  };
  const put = (s: string): void => {
    room(s.length * 3); // the most UTF-8 bytes a UTF-16 string can take
    off += buf.write(s, off);
  };
  const family = (d: MetricDef): void => {
    let header = false;
    for (const set of sets) {
      const samples = set.byFamily.get(d);
      if (!samples || samples.length === 0) continue;
      if (!header) {
        const h = headers(d)[format];
        room(h.length);
        off += h.copy(buf, off);
        header = true;
      }
      for (let i = 0; i < samples.length; i++) {
        put(d.name);
        put(samples[i][0]);
        put(' ');
        put(formatValue(samples[i][1]));
        put('\n');
      }
    }
  };
  for (const d of CATALOG) family(d);
  let others: Set<MetricDef> | undefined;
  for (const set of sets) for (const d of set.byFamily.keys()) if (!IN_CATALOG.has(d)) (others ??= new Set()).add(d);
  if (others) for (const d of others) family(d);
  if (format === 'openmetrics') {
    room(EOF_LINE.length);
    off += EOF_LINE.copy(buf, off);
  }
  if (buf.length <= SCRATCH_KEPT) scratch = buf;
  return Buffer.from(buf.subarray(0, off));
}

/** renderBody as text (tests, and anything that wants a string). */
export function render(sets: readonly SampleSet[], format: Format): string {
  return renderBody(sets, format).toString('utf8');
}

export function contentType(format: Format): string {
  return format === 'openmetrics' ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_TEXT;
}
