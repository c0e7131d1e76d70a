// The version strings of a Windows executable (its VS_VERSIONINFO resource), read without
// Windows: what Explorer's Details tab, Task Manager, a firewall prompt and an EDR's "renamed
// binary" rule show. validate-package checks them.

const u16 = (b: Buffer, o: number): number => b.readUInt16LE(o);
const u32 = (b: Buffer, o: number): number => b.readUInt32LE(o);
const align4 = (n: number): number => (n + 3) & ~3;

/** File offset of an RVA, from the section table. */
function offsetOf(pe: Buffer, rva: number): number {
  const nt = u32(pe, 0x3c);
  const sections = nt + 24 + u16(pe, nt + 20);
  for (let i = 0; i < u16(pe, nt + 6); i++) {
    const s = sections + 40 * i;
    const va = u32(pe, s + 12);
    const size = Math.max(u32(pe, s + 8), u32(pe, s + 16));
    if (rva >= va && rva < va + size) return rva - va + u32(pe, s + 20);
  }
  throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
}

/** The first resource of a type (RT_VERSION is 16): its bytes, or undefined. */
function resource(pe: Buffer, type: number): Buffer | undefined {
  const nt = u32(pe, 0x3c);
  const opt = nt + 24;
  const dirs = opt + (u16(pe, opt) === 0x20b ? 112 : 96);
  const rva = u32(pe, dirs + 2 * 8);
  if (rva === 0) return undefined;
  const base = offsetOf(pe, rva);
  if (base >= pe.length) throw new RangeError('resources beyond the end of the file');
  // Three levels (type, name, language): the wanted type, then the first entry of each level.
  let dir = base;
  for (let level = 0; level < 3; level++) {
    const count = u16(pe, dir + 12) + u16(pe, dir + 14);
    let next: number | undefined;
    for (let i = 0; i < count; i++) {
      const e = dir + 16 + 8 * i;
      if (level === 0 && (u32(pe, e) & 0x80000000 || u32(pe, e) !== type)) continue;
      next = u32(pe, e + 4);
      break;
    }
    if (next === undefined) return undefined;
    if (level < 2) {
      if (!(next & 0x80000000)) return undefined;
      dir = base + (next & 0x7fffffff);
    } else {
      const data = base + next;
      const at = offsetOf(pe, u32(pe, data));
      if (at + u32(pe, data + 4) > pe.length) throw new RangeError('version resource beyond the end of the file');
      return pe.subarray(at, at + u32(pe, data + 4));
    }
  }
  return undefined;
}

/**
 * The StringFileInfo strings (CompanyName, FileDescription, OriginalFilename...) of a PE file;
 * undefined when the file is cut short before its resources (the tests' small copies of an
 * archive keep only the first 4 KiB of each executable).
 */
export function versionStrings(pe: Buffer): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let vi: Buffer | undefined;
  try {
    vi = resource(pe, 16);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  if (vi && vi.length === 0) return undefined;
  if (!vi) return out;
  // A node: wLength, wValueLength, wType (1: text), a UTF-16 key, its value, then children.
  const walk = (o: number, end: number, inStrings: boolean): void => {
    while (o + 6 < end) {
      const len = u16(vi, o);
      if (len === 0) return;
      const vlen = u16(vi, o + 2);
      const text = u16(vi, o + 4) === 1;
      let k = o + 6;
      while (k + 1 < vi.length && u16(vi, k) !== 0) k += 2;
      const key = vi.toString('utf16le', o + 6, k);
      const value = align4(k + 2);
      const valueEnd = value + (text ? vlen * 2 : vlen);
      // Under StringFileInfo: string tables (named by language and code page, 040904b0), then strings.
      if (inStrings && text && !/^[0-9a-fA-F]{8}$/.test(key)) out[key] = vi.toString('utf16le', value, valueEnd).replace(/\0+$/, '');
      walk(align4(valueEnd), Math.min(o + len, end), inStrings || key === 'StringFileInfo');
      o = align4(o + len);
    }
  };
  walk(0, vi.length, false);
  return out;
}
