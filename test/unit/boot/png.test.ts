import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, isPng, isPpm, parsePpm, ppmToPng } from '../../../electron/engine/boot/png';

/** Reads back what encodePng wrote: chunk list (with CRC check) and the pixel rows. */
function decodePng(png: Buffer): { width: number; height: number; rgb: Buffer; chunks: string[] } {
  expect(isPng(png)).toBe(true);
  let pos = 8;
  const chunks: string[] = [];
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    expect(png.readUInt32BE(pos + 8 + length)).toBe(crc32(png.subarray(pos + 4, pos + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    rows.push(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)));
  }
  return { width, height, rgb: Buffer.concat(rows), chunks };
}

describe('png', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('converts a PPM screenshot (header with a comment) into a PNG with the same pixels', () => {
    const pixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const ppm = Buffer.concat([Buffer.from('P6\n# written by qemu\n3 2\n255\n'), pixels]);
    expect(isPpm(ppm)).toBe(true);
    expect(isPng(ppm)).toBe(false);
    expect(parsePpm(ppm)).toEqual({ width: 3, height: 2, rgb: new Uint8Array(pixels) });
    const decoded = decodePng(ppmToPng(ppm));
    expect(decoded).toMatchObject({ width: 3, height: 2, chunks: ['IHDR', 'IDAT', 'IEND'] });
    expect(decoded.rgb.equals(pixels)).toBe(true);
  });

  it('handles a VGA-sized screen', () => {
    const width = 720;
    const height = 400;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 251;
    const decoded = decodePng(encodePng({ width, height, rgb }));
    expect(decoded.width).toBe(width);
    expect(decoded.rgb.equals(Buffer.from(rgb))).toBe(true);
  });

  it.each([
    ['P6 3 2 65535\n', /maxval 65535/],
    ['P6 3 2 255\n\x00\x00', /truncated/],
    ['P6 x', /garbled/],
  ])('refuses the PPM %j', (text, message) => {
    expect(() => parsePpm(Buffer.from(text, 'latin1'))).toThrow(message);
  });
});
