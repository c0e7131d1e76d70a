import type { Format } from '../metrics/exposition';

interface MediaRange {
  type: string; // lower-cased "type/subtype"
  params: Map<string, string>;
  q: number;
  order: number;
}

/** Parses an Accept or Accept-Encoding style list; malformed items are skipped, never thrown. */
function parseList(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  let order = 0;
  for (const item of header.split(',')) {
    const [head, ...rest] = item.split(';');
    const type = head.trim().toLowerCase();
    if (!type) continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'q') {
        const n = Number(v);
        q = Number.isFinite(n) && v !== '' ? Math.min(Math.max(n, 0), 1) : 0;
      } else {
        params.set(k, v);
      }
    }
    out.push({ type, params, q, order: order++ });
  }
  return out;
}

const OM_VERSIONS = new Set(['1.0.0', '0.0.1']);

/**
 * Picks the exposition format from an Accept header by q-value. OpenMetrics only when a range
 * naming it (with no version or a version we speak) outranks every range that admits the text
 * format; anything unparseable or unmatched falls back to text 0.0.4, as client_golang does.
 */
export function negotiateFormat(accept: string | undefined): Format {
  if (!accept) return 'text';
  let om = -1;
  let omOrder = Infinity;
  let text = -1;
  let textOrder = Infinity;
  for (const r of parseList(accept)) {
    if (r.type === 'application/openmetrics-text') {
      const v = r.params.get('version');
      if ((v === undefined || OM_VERSIONS.has(v)) && r.q > om) {
        om = r.q;
        omOrder = r.order;
      }
    } else if (r.type === 'text/plain' || r.type === 'text/*' || r.type === '*/*') {
      const v = r.params.get('version');
      if ((v === undefined || v === '0.0.4') && r.q > text) {
        text = r.q;
        textOrder = r.order;
      }
    }
  }
  if (om > 0 && (om > text || (om === text && omOrder < textOrder))) return 'openmetrics';
  return 'text';
}

/** True when Accept-Encoding allows gzip (explicitly, or through `*`), by q-value. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const r of parseList(acceptEncoding)) {
    if (r.type === 'gzip' || r.type === 'x-gzip') gzip = Math.max(gzip ?? 0, r.q);
    else if (r.type === '*') star = r.q;
  }
  return (gzip ?? star ?? 0) > 0;
}
