// Draws media/icon.png (128×128, the extension's icon) from shapes: a grid of memory pages, two of them marked
// (one pinned, one faulting), under a lens. No third-party art; run `node media/make-icon.mjs` to redraw it.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 128;
const SS = 4; // supersampling per axis
const bg = [24, 38, 64];
const page = [72, 104, 150];
const pinned = [236, 176, 64];
const fault = [222, 88, 76];
const lensRim = [236, 240, 246];
const lensGlass = [150, 200, 240];

function roundedRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** The colour at (x, y) in icon units (0..128), or undefined outside the icon. */
function shade(x, y) {
  if (!roundedRect(x, y, 2, 2, 126, 126, 22)) return undefined;
  let c = bg;
  // 4×4 pages in the upper left
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      const x0 = 16 + i * 20, y0 = 16 + j * 20;
      if (roundedRect(x, y, x0, y0, x0 + 15, y0 + 15, 3)) c = i === 1 && j === 1 ? pinned : i === 2 && j === 2 ? fault : page;
    }
  // the lens: glass tint, rim, handle
  const lx = 70, ly = 70, R = 30, d = Math.hypot(x - lx, y - ly);
  if (d < R - 5) c = c.map((v, k) => Math.round(v * 0.55 + lensGlass[k] * 0.45));
  else if (d <= R + 1) c = lensRim;
  const t = ((x - lx) + (y - ly)) / 2; // along the diagonal
  const off = Math.abs((x - lx) - (y - ly)) / Math.SQRT2;
  if (t > R * 0.72 && t < R * 0.72 + 30 && off < 6 && x < 122 && y < 122) c = lensRim;
  return c;
}

const raw = Buffer.alloc(N * (1 + N * 4));
for (let y = 0; y < N; y++) {
  raw[y * (1 + N * 4)] = 0; // filter: none
  for (let x = 0; x < N; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SS; sy++)
      for (let sx = 0; sx < SS; sx++) {
        const c = shade(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
        if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
      }
    const o = y * (1 + N * 4) + 1 + x * 4;
    raw[o] = a ? Math.round(r / a) : 0;
    raw[o + 1] = a ? Math.round(g / a) : 0;
    raw[o + 2] = a ? Math.round(b / a) : 0;
    raw[o + 3] = Math.round((255 * a) / (SS * SS));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`media/icon.png: ${N}×${N}, ${png.length} bytes`);
