import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { qcow2VirtualSize, readQcow2VirtualSize } from '../../../electron/engine/disk/qcow2-header';

// The first 32 bytes of real images (qemu-img 7.2.22, Debian 12), from `xxd -p -l 32 FILE`, with
// the virtual-size that `qemu-img info --output=json FILE` printed for the same file.
const samples: Array<{ made: string; hex: string; size: number | null }> = [
  { made: 'qemu-img create -f qcow2 s1.qcow2 2G', hex: '514649fb00000003000000000000000000000000000000100000000080000000', size: 2147483648 },
  { made: 'qemu-img create -f qcow2 s2.qcow2 1000000000 (not a multiple of the cluster size)', hex: '514649fb0000000300000000000000000000000000000010000000003b9aca00', size: 1000000000 },
  { made: 'qemu-img create -f qcow2 -o compat=0.10 s3.qcow2 3G (version 2 header)', hex: '514649fb000000020000000000000000000000000000001000000000c0000000', size: 3221225472 },
  { made: 'bench:batch source vm-1.vmdk (monolithicSparse VMDK): not qcow2', hex: '4b444d5601000000030000000000400000000000800000000000000001000000', size: null },
  { made: 'the first 16 bytes of s1.qcow2 only (a file cut short)', hex: '514649fb000000030000000000000000', size: null },
];

describe('the virtual size in a qcow2 header', () => {
  for (const s of samples) {
    it(s.made, () => {
      expect(qcow2VirtualSize(Buffer.from(s.hex, 'hex'))).toBe(s.size);
    });
  }

  it('an unknown header version is not read as a size', () => {
    const head = Buffer.from(samples[0]!.hex.slice(0, 64), 'hex');
    head.writeUInt32BE(4, 4);
    expect(qcow2VirtualSize(head)).toBeNull();
  });

  const dir = mkdtempSync(join(tmpdir(), 'h2k-qcow2-head-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('reads it from a file, and gives null for a file too short to hold it', async () => {
    const full = join(dir, 'full.qcow2');
    writeFileSync(full, Buffer.concat([Buffer.from(samples[1]!.hex, 'hex'), Buffer.alloc(4096)]));
    expect(await readQcow2VirtualSize(full)).toBe(1000000000);
    const short = join(dir, 'short.qcow2');
    writeFileSync(short, Buffer.from('514649fb00000003', 'hex'));
    expect(await readQcow2VirtualSize(short)).toBeNull();
  });
});
