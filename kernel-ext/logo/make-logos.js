#!/usr/bin/env node
// Writes the kernelspec logos next to this file: logo-32x32.png, logo-64x64.png (classic
// notebook, nbclassic) and logo-svg.svg (JupyterLab). A TypeScript-blue tile with "TS" and an
// orange bar for proxyrm. Pixel art from a 5x7 font, so no image tool or font is needed:
// `node kernel-ext/logo/make-logos.js` reproduces the committed files byte for byte.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const BLUE = [0x31, 0x78, 0xc6];
const WHITE = [0xff, 0xff, 0xff];
const ORANGE = [0xf5, 0x8a, 0x1f];
const GLYPHS = {
  T: ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
  S: ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
};

/** Colour of pixel (x, y) on a size x size tile, in 16x16 design units. */
function pixel(size, x, y) {
  const u = size / 16;
  const gx = Math.floor(x / u);
  const gy = Math.floor(y / u);
  // "TS" in the lower right, as on TypeScript's own tile: glyph cells at x 4..8 and 10..14, y 7..13.
  for (const [letter, left] of [["T", 4], ["S", 10]]) {
    const row = GLYPHS[letter][gy - 7];
    if (row && gx >= left && gx < left + 5 && row[gx - left] === "1") return WHITE;
  }
  if (gy === 2 && gx >= 2 && gx < 8) return ORANGE;
  return BLUE;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < size; y++) {
    rows.push(Buffer.from([0])); // filter: none
    const row = Buffer.alloc(size * 3);
    for (let x = 0; x < size; x++) Buffer.from(pixel(size, x, y)).copy(row, x * 3);
    rows.push(row);
  }
  const idat = zlib.deflateSync(Buffer.concat(rows), { level: 9 });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]);
}
function svg() {
  const rects = [];
  for (const [letter, left] of [["T", 4], ["S", 10]]) {
    GLYPHS[letter].forEach((row, dy) => {
      [...row].forEach((bit, dx) => {
        if (bit === "1") rects.push(`<rect x="${left + dx}" y="${7 + dy}" width="1" height="1"/>`);
      });
    });
  }
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" shape-rendering="crispEdges">',
    '<rect width="16" height="16" fill="#3178c6"/>',
    '<rect x="2" y="2" width="6" height="1" fill="#f58a1f"/>',
    `<g fill="#ffffff">${rects.join("")}</g>`,
    "</svg>",
    "",
  ].join("\n");
}

fs.writeFileSync(path.join(__dirname, "logo-32x32.png"), png(32));
fs.writeFileSync(path.join(__dirname, "logo-64x64.png"), png(64));
fs.writeFileSync(path.join(__dirname, "logo-svg.svg"), svg());
