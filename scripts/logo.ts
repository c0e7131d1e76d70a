// Draws the logos; run with `npm run logo`. The PNGs are committed so packaging needs no drawing
// step.
// - packaging/logo.png (155x65, the 5.1 format's size): a bar-chart mark and the name in a pixel
//   font.
// - packaging/logo-square.png (156x156) for the bk-monitor tgz: bk-monitor's plugin editor shows
//   a logo at 78x78, stretched, and its plugin list at 32x32 with background-size: cover, which
//   cut 1.0's wide logo to its middle. The mark alone, square and large, reads at both sizes
//   (156 is 78 at twice the pixel density).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { ROOT } from './lib/steps';

export const LOGO_W = 155;
export const LOGO_H = 65;
type RGBA = [number, number, number, number];

const GLYPHS: Record<string, string[]> = {
  s: ['.....', '.....', '.####', '#....', '.###.', '....#', '####.'],
  y: ['.....', '.....', '#...#', '#...#', '.####', '....#', '.###.'],
  e: ['.....', '.....', '.###.', '#...#', '#####', '#....', '.###.'],
  x: ['.....', '.....', '#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  p: ['.....', '.....', '####.', '#...#', '####.', '#....', '#....'],
  o: ['.....', '.....', '.###.', '#...#', '#...#', '#...#', '.###.'],
  r: ['.....', '.....', '#.##.', '##..#', '#....', '#....', '#....'],
  t: ['..#..', '..#..', '#####', '..#..', '..#..', '..#..', '...##'],
  '-': ['.....', '.....', '.....', '.....', '####.', '.....', '.....'],
};

export function drawLogo(): Buffer {
  const px = Buffer.alloc(LOGO_W * LOGO_H * 4);
  const set = (x: number, y: number, c: RGBA): void => {
    if (x < 0 || y < 0 || x >= LOGO_W || y >= LOGO_H) return;
    px.set(c, (y * LOGO_W + x) * 4);
  };
  const rect = (x0: number, y0: number, w: number, h: number, c: RGBA): void => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) set(x, y, c);
  };
  // Rounded navy card.
  const r = 8;
  for (let y = 0; y < LOGO_H; y++) {
    for (let x = 0; x < LOGO_W; x++) {
      const cx = x < r ? r - x : x >= LOGO_W - r ? x - (LOGO_W - r - 1) : 0;
      const cy = y < r ? r - y : y >= LOGO_H - r ? y - (LOGO_H - r - 1) : 0;
      if (cx * cx + cy * cy <= r * r) set(x, y, [27, 42, 65, 255]);
    }
  }
  // Bar chart: three rising bars on a baseline, the last one amber (a disk filling up).
  rect(12, 50, 36, 2, [140, 160, 185, 255]);
  rect(14, 34, 8, 16, [52, 199, 120, 255]);
  rect(26, 24, 8, 26, [52, 199, 120, 255]);
  rect(38, 14, 8, 36, [245, 176, 65, 255]);
  const text = (s: string, x0: number, y0: number, scale: number, c: RGBA): void => {
    let x = x0;
    for (const ch of s) {
      const g = GLYPHS[ch];
      g.forEach((row, gy) => [...row].forEach((b, gx) => b === '#' && rect(x + gx * scale, y0 + gy * scale, scale, scale, c)));
      x += 6 * scale;
    }
  };
  text('sys', 58, 4, 4, [255, 255, 255, 255]);
  text('exporter', 58, 38, 2, [140, 200, 255, 255]);
  return encodePng(px, LOGO_W, LOGO_H);
}

export const SQUARE = 156;

/** The bar-chart mark on a rounded navy square, filling it: no text, which 32 pixels cannot hold. */
export function drawSquareLogo(size = SQUARE): Buffer {
  const px = Buffer.alloc(size * size * 4);
  const u = size / 78; // drawn on a 78-unit grid
  const fill = (x0: number, y0: number, w: number, h: number, c: RGBA): void => {
    for (let y = Math.round(y0 * u); y < Math.round((y0 + h) * u); y++) for (let x = Math.round(x0 * u); x < Math.round((x0 + w) * u); x++) px.set(c, (y * size + x) * 4);
  };
  const r = 14 * u;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cx = x < r ? r - x - 0.5 : x >= size - r ? x + 0.5 - (size - r) : 0;
      const cy = y < r ? r - y - 0.5 : y >= size - r ? y + 0.5 - (size - r) : 0;
      if (cx * cx + cy * cy <= r * r) px.set([27, 42, 65, 255], (y * size + x) * 4);
    }
  }
  // Three rising bars on a baseline, the last amber (a disk filling up), as on the wide logo.
  fill(12, 60, 54, 4, [140, 160, 185, 255]);
  fill(14, 38, 13, 22, [52, 199, 120, 255]);
  fill(32, 26, 13, 34, [52, 199, 120, 255]);
  fill(50, 12, 13, 48, [245, 176, 65, 255]);
  return encodePng(px, size, size);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA pixels to PNG: filter 0 on every row, one IDAT. */
export function encodePng(rgba: Buffer, w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (require.main === module) {
  writeFileSync(join(ROOT, 'packaging', 'logo.png'), drawLogo());
  writeFileSync(join(ROOT, 'packaging', 'logo-square.png'), drawSquareLogo());
  console.log('packaging/logo.png and packaging/logo-square.png written');
}
