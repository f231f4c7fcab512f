import { crc32, deflateSync } from 'node:zlib';

/**
 * The app's two Teams icons, drawn here rather than committed as binaries: a ring with a chevron
 * pointing forward (a step of the transformation). Teams wants a 192x192 full-colour icon and a
 * 32x32 outline icon that is white on a transparent background. To use a designed logo instead,
 * replace colorIcon()/outlineIcon() with reads of PNG files of those sizes.
 */

/** The accent colour: also the manifest's accentColor and the colour icon's background. */
export const ACCENT = { hex: '#1F4E79', rgb: [0x1f, 0x4e, 0x79] as const };

/** Whether a point of the mark's unit square (0..1 both ways, y down) is part of the mark. */
function inMark(x: number, y: number): boolean {
  const r = Math.hypot(x - 0.5, y - 0.5);
  const ring = r <= 0.5 && r >= 0.39;
  // The chevron: two strokes meeting at a point right of centre.
  const chevron = distanceToSegment(x, y, 0.4, 0.27, 0.62, 0.5) <= 0.065 || distanceToSegment(x, y, 0.62, 0.5, 0.4, 0.73) <= 0.065;
  return ring || chevron;
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Share of a pixel covered by the mark (0..1), sampled 4x4 so edges are smooth. The mark fills a
 * centred square of `markSize` pixels.
 */
function coverage(px: number, py: number, size: number, markSize: number): number {
  const offset = (size - markSize) / 2;
  let inside = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const x = (px + (sx + 0.5) / 4 - offset) / markSize;
      const y = (py + (sy + 0.5) / 4 - offset) / markSize;
      if (inMark(x, y)) inside++;
    }
  }
  return inside / 16;
}

/** 192x192, opaque: the white mark on the accent colour, inside the central area Teams leaves uncropped. */
export function colorIcon(): Buffer {
  const size = 192;
  return encodePng(size, size, (x, y) => {
    const c = coverage(x, y, size, 120);
    const [r, g, b] = ACCENT.rgb.map((v) => Math.round(v + (255 - v) * c)) as [number, number, number];
    return [r, g, b, 255];
  });
}

/** 32x32: white only, the mark's coverage as alpha, transparent elsewhere (Teams tints it). */
export function outlineIcon(): Buffer {
  const size = 32;
  return encodePng(size, size, (x, y) => [255, 255, 255, Math.round(255 * coverage(x, y, size, 30))]);
}

/** A minimal PNG encoder: 8-bit RGBA, no filtering (the icons are tiny), one IDAT chunk. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 4));
  let i = 0;
  for (let y = 0; y < height; y++) {
    raw[i++] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      for (const v of pixel(x, y)) raw[i++] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(6, 9); // colour type: RGBA
  // compression, filter method and interlace stay 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
