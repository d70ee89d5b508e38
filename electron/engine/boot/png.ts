import { deflateSync } from 'node:zlib';

/**
 * Screenshots go into the report as PNG. QEMU before 7.1 (and libvirt before 9) hands out PPM
 * (P6): this converts it, with nothing but zlib.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(data: Uint8Array): boolean {
  return data.length >= 8 && Buffer.from(data.subarray(0, 8)).equals(PNG_SIGNATURE);
}

export function isPpm(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x50 && data[1] === 0x36; // "P6"
}

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, rows top to bottom. */
  rgb: Uint8Array;
}

/** Reads a binary PPM (P6) with 8-bit samples; comments in the header are allowed. */
export function parsePpm(data: Uint8Array): RgbImage {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 2;
  const fields: number[] = [];
  while (fields.length < 3) {
    while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]!))) pos++;
    if (buf[pos] === 0x23) {
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      continue;
    }
    const start = pos;
    while (pos < buf.length && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) pos++;
    if (start === pos) throw new Error('PPM header is garbled');
    fields.push(Number(buf.toString('latin1', start, pos)));
  }
  pos++; // the single whitespace byte after maxval
  const [width, height, maxval] = fields as [number, number, number];
  if (maxval !== 255) throw new Error(`PPM with maxval ${maxval} is not supported`);
  const size = width * height * 3;
  if (buf.length - pos < size) throw new Error('PPM is truncated');
  return { width, height, rgb: new Uint8Array(buf.subarray(pos, pos + size)) };
}

export function encodePng(image: RgbImage): Buffer {
  const { width, height, rgb } = image;
  const stride = width * 3;
  // Each row starts with its filter type; 0 (none) is good enough for screens of text.
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    Buffer.from(rgb.buffer, rgb.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function ppmToPng(data: Uint8Array): Buffer {
  return encodePng(parsePpm(data));
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
