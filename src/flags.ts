// Flags: how one is declared (FlagSpec) and the parsers their values go through. The CLI's own
// flags live in src/cli.ts, each collector's in its module (src/collectors/<name>/); the CLI,
// the config file and the BlueKing descriptors are all built from those declarations.
import { InvalidArgumentError } from 'commander';
import { formatDuration, parseDuration } from './duration';
import type { Lang } from './metrics/def';
import { errorMessage } from './log';

/** Something a string is tested against: a RegExp, or an RE2 pattern. */
export interface Pattern {
  test(s: string): boolean;
  readonly source: string;
}

/**
 * One flag: its name (without `--`), what it takes, and how a value is checked. The same table
 * drives commander, the config file's keys and (later) the packaging descriptors.
 */
export interface FlagSpec {
  readonly name: string;
  /** `<placeholder>` for flags taking a value; undefined for switches. */
  readonly arg?: string;
  readonly help: string;
  /** The default as a user would write it (shown in --help and the descriptors). */
  readonly defaultText?: string;
  /** The default on Windows, where it differs. */
  readonly windowsDefault?: string;
  /** The platforms the flag means something on; undefined: all. Elsewhere it is refused and not shown. */
  readonly platforms?: readonly NodeJS.Platform[];
  readonly parse?: (v: string) => unknown;
  readonly repeatable?: boolean;
  readonly choices?: readonly string[];
  /** Switches that also have a --no-<name> form (collectors). */
  readonly negatable?: boolean;
  /** What the BlueKing form says of it, at most 50 characters; flags without one are not offered there. */
  readonly form?: Readonly<Record<Lang, string>>;
  /** The form field's label (bk-monitor shows `alias || name`), at most 15 characters. */
  readonly alias?: Readonly<Record<Lang, string>>;
}

const MAX_DURATION_MS = 24 * 24 * 3600e3;

export function duration(min: number): (v: string) => number {
  return (v) => {
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
    if (ms < min) throw new InvalidArgumentError(`"${v}" must be at least ${formatDuration(min)}`);
    // Node's timers hold at most 2^31 - 1 ms; a longer one fires at once, every time.
    if (ms > MAX_DURATION_MS) throw new InvalidArgumentError(`"${v}" must be at most 24d`);
    return ms;
  };
}

/**
 * A user's exclude pattern, matched as node_exporter matches it: Go's RE2 syntax
 * ([[:digit:]], \z, \Q..\E, (?i)) in linear time, so no pattern can freeze the event loop
 * (JavaScript's backtracking engine took 105 s on ^/x/(a+)+$ against a 35-character path).
 * The built-in defaults are plain alternations, matched with RegExp: a host on defaults never
 * loads the RE2 engine.
 */
export function regex(builtIn: readonly string[]): (v: string) => Pattern {
  const plain = new Set(builtIn);
  return (v) => (plain.has(v) ? new RegExp(v) : re2(v));
}

function re2(v: string): Pattern {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RE2JS } = require('re2js') as typeof import('re2js');
  try {
    const re = RE2JS.compile(v);
    return { test: (s: string) => re.matcher(s).find(), source: v };
  } catch (err) {
    throw new InvalidArgumentError(`invalid regular expression (RE2 syntax, as node_exporter's): ${errorMessage(err)}`);
  }
}

/**
 * A comma-separated list typed into a form (BlueKing renders it onto a shell or cmd.exe line):
 * only letters, digits and / . _ : , % - and + pass through both templates unharmed, so other
 * characters are written as %XX (a space is %20). Empty items are dropped.
 */
function formList(what: string, item: RegExp, v: string): string[] {
  const out: string[] = [];
  for (const raw of v.split(',')) {
    if (raw.trim() === '') continue;
    let s: string;
    try {
      s = decodeURIComponent(raw.trim());
    } catch {
      throw new InvalidArgumentError(`"${raw}" in "${v}" has a malformed %XX escape`);
    }
    if (!item.test(s)) throw new InvalidArgumentError(`"${s}" in "${v}" is not ${what}`);
    out.push(s);
  }
  return out;
}

/** Mount points: absolute paths, "/" style, also on Windows (D:/data for D:\\data). */
export function mountPointList(v: string): string[] {
  return formList('a mount point (/data, D:, D:/data)', /^(\/|[A-Za-z]:)/, v).map((p) => (p.length > 1 ? p.replace(/[/\\]+$/, '') || '/' : p));
}

export function fsTypeList(v: string): string[] {
  return formList('a filesystem type (ext4, nfs4, fuse.sshfs, NTFS)', /^[A-Za-z0-9_.+-]+$/, v);
}

export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`"${v}" is not a whole number >= 0`);
  return Number(v);
}

/** Switches also take an explicit value, as kingpin's do: `--collector.disk=false` (BlueKing 5.1 renders `--name=value`). */
export function bool(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError(`"${v}" is not true or false`);
}

/** A flag's default on a platform, as a user would write it. */
export function defaultOn(f: FlagSpec, platform: NodeJS.Platform): string | undefined {
  return platform === 'win32' && f.windowsDefault !== undefined ? f.windowsDefault : f.defaultText;
}

export const flagApplies = (f: FlagSpec, platform: NodeJS.Platform): boolean => !f.platforms || f.platforms.includes(platform);

export const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', win32: 'Windows' };

