// Prometheus-style durations: "0", "500ms", "5s", "1m30s", "1h". Units must descend.
const UNITS: ReadonlyArray<[string, number]> = [
  ['y', 365 * 24 * 3600e3],
  ['w', 7 * 24 * 3600e3],
  ['d', 24 * 3600e3],
  ['h', 3600e3],
  ['m', 60e3],
  ['s', 1e3],
  ['ms', 1],
];
const PART = /^(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/;

/** Parses a duration to milliseconds; throws with a message naming the value. */
export function parseDuration(input: string): number {
  const s = input.trim();
  if (s === '0') return 0;
  let rest = s;
  let total = 0;
  let lastUnit = -1;
  while (rest.length > 0) {
    const m = PART.exec(rest);
    if (!m) throw new Error(`"${input}" is not a duration (e.g. 500ms, 5s, 1m30s)`);
    const unit = UNITS.findIndex(([u]) => u === m[2]);
    if (unit <= lastUnit) throw new Error(`"${input}" is not a duration: units must go from largest to smallest`);
    lastUnit = unit;
    total += Number(m[1]) * UNITS[unit][1];
    rest = rest.slice(m[0].length);
  }
  if (s.length === 0) throw new Error('empty duration');
  return total;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  let out = '';
  for (const [u, f] of [['h', 3600], ['m', 60]] as const) {
    if (s >= f) {
      out += `${Math.floor(s / f)}${u}`;
      s %= f;
    }
  }
  return s || !out ? `${out}${s}s` : out;
}
